"""EN16931 code list rules (BR-CL-*): codes must come from the lists the standard names."""
