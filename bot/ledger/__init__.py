"""The deal ledger: deals, their closes and answers, their input schemas, and bulk import."""
