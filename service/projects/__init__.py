"""城乡供水一体化 projects: their 进度表, funds and connections (API and pages)."""
