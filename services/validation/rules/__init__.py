"""The EHF / Peppol BIS Billing 3.0 rules as our own code over lxml, with the official rule ids.

`engine` holds the registry and the document view; each family lives in its own module and
registers its rules on import. `validate_document` runs them.
"""

from services.validation.rules.engine import Layer, RuleSpec, all_rules, validate_document

__all__ = ["Layer", "RuleSpec", "all_rules", "validate_document"]
