"""The pages that gather several domains: the role homes and the plans' pages."""
