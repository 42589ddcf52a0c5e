"""Economics: launch, hardware and energy cost; cost per token against terrestrial."""
