"""Built-in scenarios shipped as YAML (``orbitcloud scenarios`` lists them)."""
