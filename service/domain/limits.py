"""The bounds of the registry's fields: one table for the API's schemas and for the rosters' rows alike."""

NAME_LENGTH = 50  # a person's name (户主, 责任人)
FACILITY_NAME_LENGTH = 60
CODE_LENGTH = 30
UNIT_LENGTH = 100
MEMBERS = (1, 50)
LATITUDE = (-90, 90)
LONGITUDE = (-180, 180)
DISTANCE_M = (0, 100_000)
VERTICAL_M = (0, 5_000)
ROUND_TRIP_MIN = (0, 1_440)
YIELD_M3_DAY = (0, 100_000)
