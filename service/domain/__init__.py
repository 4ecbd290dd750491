"""Domain rules as plain functions that take a session and explicit arguments (no request, no app).

One flat room, by area (a rule's area names its module):

- registry: `registry` (places, households, facilities, staff), `identity` (ID numbers), `conflicts`, `geo`
  (distances), `needs_delivery`, `gaps`, `search`, `units`, `repairs`, `care` (upkeep), `users`, `imports`,
  `monitoring` (entering and leaving the monitoring list), `monitored` (which households a figure counts),
  `projects` (城乡供水一体化)
- supply and deliveries: `agreements`, `deliveries`, `planning`, `supply`, `emergencies` (应急送水)
- the ledger: `case_rules`, `cases` (the lifecycle people work), `system_cases` (what the service opens), `ledger`,
  `rechecks` (回头查), `spot_checks` (明察暗访),
  `todo`
- the survey: `survey`; water: `water_quality`, `limits`
- reports: `reports` (the records), `verification` (核验), `signed_copies` (签字件), `inspection_archive`,
  `archive_gaps` (what the archive lacks), `history`, `trends`, `dashboard`, `kept`
- regions: `regions`, `bulletins`, `exchange`
- messages: `sms`, `outbox`, `gateway`, `catalogue`
- shared by all: `errors`, `permissions`, `scope`, `rules`, `audit`, `periods`, `sql`, `tables`, `text`,
  `field_reports`, `idempotency`

Kept flat on purpose: of the 186 imports between these modules, 146 cross from one area to another (most to the
shared ones), so packages by area would put most arrows across package lines rather than within them.
"""
