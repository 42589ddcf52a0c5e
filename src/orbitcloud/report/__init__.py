"""Report: the self-contained HTML report, plots, CZML and the offline globe."""
