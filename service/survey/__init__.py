"""逐户排查: the API of household visits on the four indicators."""
