"""Space environment: atmosphere density (NRLMSIS 2.x), radiation dose, South Atlantic Anomaly."""
