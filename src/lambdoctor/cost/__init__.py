"""The cost engine: dated price tables (``data/prices``) and a Decimal cost model."""
