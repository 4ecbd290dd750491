"""应急送水: emergencies that put an area's households on daily delivery (API and pages)."""
