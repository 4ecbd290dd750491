"""明察暗访: spot checks of randomly drawn households, their findings compared with the records (API and pages)."""
