"""Exchange with other systems: CAP 1.2 alerts, EDXL-RM messages, HXL-tagged CSV."""
