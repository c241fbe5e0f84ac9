"""REPORT.md, computed apart from written (scripts/report.py is the entry point).

- claim_registry: the @claim and @dotnet_answer decorators; a claim is one registered
  function per language returning a ClaimResult (figures, verdict, nuance), no Markdown;
- claims_size (C1, C7), claims_allocation (C2, C3, C4, C6), claims_time (C5, C10),
  claims_misuse (C8, C9): the claims, each with its C++ and .NET answer;
- one module per section (environment, claims, dotnet, against_dotnet, gallery, wrong_way,
  allocators, noise, elision, concurrency, service, service_dotnet, multi_await, footprint, misuse, crosschecks),
  each with a section(run) returning Markdown lines, its figures computed by functions that
  return data;
- common: what claims and sections share; service_figures: what the service section and
  its charts share; document: the sections in order.
"""
