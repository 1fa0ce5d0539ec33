"""UBL syntax rules of the EN16931 UBL binding (UBL-CR-*, UBL-DT-*, UBL-SR-*)."""
