"""Looking at graphs: `debugprint` and `pprint`."""

from arignote.printing.debugprint import debugprint, pprint

__all__ = ["debugprint", "pprint"]
