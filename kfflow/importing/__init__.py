"""Spreadsheets in and out: readers, the heading mapping, row validation and export."""
