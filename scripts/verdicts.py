"""The verdicts a claim row can carry, for each language (REPORT.md's claims table)."""

REPRODUCED = "reproduced"
NUANCE = "reproduced with a C++ nuance"
DOTNET_NUANCE = "reproduced with a nuance"
NOT_REPRODUCED = "not reproduced"
NO_DATA = "no data"
NOT_MEASURED = "not measured"
NOT_COMPARABLE = "not comparable"  # a time comparison whose sides ran in different machine states
