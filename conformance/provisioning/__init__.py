"""The reference provisioning client: Canvas's nightly roster pull from Infinite Campus (docs/provisioning.md).

``pull`` reads the roster (bulk or per school), ``mapping`` turns it into the rows of Canvas's SIS import
CSVs in one of two term modes, ``diff`` compares them with the previous run's ``state``, ``failure_modes``
names what districts trip over, ``csv_files`` writes the files and ``report`` says what Canvas would do.
"""
