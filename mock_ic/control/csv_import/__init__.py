"""The OneRoster CSV bundle importer (1.1 and 1.2 bulk bundles) -> canonical 1.2 documents.

``import_bundle(zip)`` returns what ``mock_ic.store.documents.bulk_load`` takes: documents in the
format of docs/data-model.md, by kind. ``load_bundle(db, tenant, zip)`` puts the same documents into
the store in place of the tenant's, streamed in bounded memory (a district's bundle; see ``importer``).
How the binding maps onto them:

- IC-IDS: a 1.1 user id ``s1001``/``t501`` becomes user ``1001``/``501`` with
  ``metadata.ic.legacySourcedId`` the id as given; any other 1.1 id is kept (legacy = the id).
  References to users (enrollments, results, agents, and 1.1 demographics, which share their
  user's id) follow the same mapping. A 1.2 user's legacySourcedId is ``s``/``t`` + its id for a
  primary role of student/teacher, else the id itself.
- 1.1 ``role`` + ``orgSourcedIds`` -> 1.2 ``roles``: primary at the first org, secondary at the
  others; ``administrator`` is ``districtAdministrator`` at a district/local/state/national org,
  ``siteAdministrator`` at a school or department. ``primaryOrg`` is the first org.
- IC-USERS: ``metadata.ic.portalAccount`` is "false" exactly when enabledUser is "false".
- Blank status -> "active"; blank dateLastModified -> midnight UTC of ``today``.
- ``metadata.<path>`` extension columns fill the document's metadata (explicit values win over
  derived ones, so a 1.2 bundle may give ``metadata.ic.class`` to its categories).
- 1.2 bundles may carry ``scoreScales.csv`` (the binding's) and ``assessmentLineItems.csv``,
  ``assessmentResults.csv`` (mock-ic's own: the 1EdTech 1.2 CSV binding has no assessment file), when the
  manifest marks them bulk; see ``columns``.
- Files of the binding the mock does not store (resources, user profiles, learning objectives, the
  lineItemScoreScales/resultScoreScales links) are skipped even when marked bulk.
"""

from mock_ic.control.csv_import.importer import import_bundle, load_bundle
from mock_ic.control.csv_import.problems import CsvImportError, Problem

__all__ = ["CsvImportError", "Problem", "import_bundle", "load_bundle"]
