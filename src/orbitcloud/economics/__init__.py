"""Economics: launch, hardware and energy cost; cost per token against terrestrial.

* :mod:`orbitcloud.economics.costs` -- pure cost model: capital recovery factor, launch price
  trend, orbital and terrestrial cost items, break-even launch price (bracketing root finder),
  tornado sensitivity;
* :mod:`orbitcloud.economics.fleet` -- scenario designs (spacecraft mass budget, arrays,
  accelerators, roofline throughput) and run measurements to the model's inputs;
* :mod:`orbitcloud.economics.summary` -- rows, KPIs and summary on the design (headline) and
  measured bases;
* :mod:`orbitcloud.economics.verdict` -- the cost verdict: break-even launch price or why there
  is none, and the input values that would flip it.

See docs/models-economics.md.
"""
