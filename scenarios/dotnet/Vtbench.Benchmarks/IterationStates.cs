// The machine's speed state around every measured BenchmarkDotNet iteration (issue 17), as
// harness/machine_state.hpp records it around a C++ repetition. An in-process EventListener on
// BenchmarkDotNet's EngineEventSource runs the calibration (MachineState.cs) when an actual
// workload iteration starts and when it stops. The engine raises both events on the benchmark's
// thread outside its clock (Engine.RunIteration: the start event before Clock.Start, the stop
// event after GetElapsed), and the listener runs synchronously there, so the calibrations add
// nothing to a measured time. The slower of the two is the iteration's calibration_ns; the
// scripts (dotnet_results.py) keep the iterations run in the fast state, as for C++.
// Benchmarks are keyed by BenchmarkDotNet's full name (FullNameProvider.GetBenchmarkName, the
// "FullName" of the JSON export); Check refuses a run whose calibrations do not match its
// measurements one to one. Cost: two calibrations per iteration (about 7-14 us), and the event
// arguments BenchmarkDotNet's dispatch allocates, both outside the timed region and outside
// MemoryDiagnoser's separate allocation pass, which raises no event.
using System;
using System.Collections.Generic;
using System.Diagnostics.Tracing;
using System.Linq;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Reports;

namespace Vtbench.Benchmarks;

public sealed class IterationStates : EventListener
{
    public const string FileName = "machine_state.json";
    private readonly object _lock = new();
    private readonly Dictionary<string, List<double>> _calibrations = [];
    private List<double>? _current;
    private double _before = double.NaN;
    private string? _problem;

    protected override void OnEventSourceCreated(EventSource source)
    {
        // Called from the base constructor for sources that exist already: touch no field here.
        if (source.Name == EngineEventSource.SourceName) EnableEvents(source, EventLevel.Informational);
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        // EventSource swallows a listener's exceptions: a problem is kept for Check instead.
        switch (e.EventId)
        {
            case EngineEventSource.BenchmarkStartEventId:
                lock (_lock)
                {
                    if (e.Payload?[0] is not string name)
                        _problem ??= "BenchmarkDotNet's BenchmarkStart event carries no benchmark name";
                    else if (_calibrations.ContainsKey(name))
                        _problem ??= $"benchmark {name} started twice";
                    else
                        _current = _calibrations[name] = [];
                }
                break;
            case EngineEventSource.WorkloadActualStartEventId:
                _before = MachineState.CalibrationNs();
                break;
            case EngineEventSource.WorkloadActualStopEventId:
                double after = MachineState.CalibrationNs();
                lock (_lock)
                {
                    if (_current is null || double.IsNaN(_before))
                        _problem ??= "an iteration stopped outside a benchmark or without starting";
                    else
                        _current.Add(Math.Max(_before, after));
                }
                _before = double.NaN;
                break;
            case EngineEventSource.BenchmarkStopEventId:
                lock (_lock) _current = null;
                break;
        }
    }

    /// <summary>
    /// Null when every report's actual workload measurements have one calibration each, in number;
    /// else one line naming the first benchmark that does not.
    /// </summary>
    public string? Check(IEnumerable<BenchmarkReport> reports)
    {
        lock (_lock)
        {
            if (_problem is not null) return $"machine state: {_problem}";
            foreach (BenchmarkReport report in reports)
            {
                string name = FullNameProvider.GetBenchmarkName(report.BenchmarkCase);
                int measured = report.AllMeasurements.Count(m =>
                    m.IterationMode == IterationMode.Workload && m.IterationStage == IterationStage.Actual);
                int calibrated = _calibrations.TryGetValue(name, out List<double>? values) ? values.Count : 0;
                if (calibrated != measured)
                    return $"machine state: {name} has {measured} measured iterations but {calibrated} calibrations";
            }
            return null;
        }
    }

    public JsonObject ToJson()
    {
        lock (_lock)
        {
            var benchmarks = new JsonObject();
            foreach ((string name, List<double> values) in _calibrations.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                benchmarks[name] = new JsonArray(values.Select(v => (JsonNode)Math.Round(v, 1)).ToArray());
            return new JsonObject
            {
                ["probe"] = "calibration_ns (MachineState.cs) around each actual workload iteration, the slower of " +
                            "before and after; in the order of the export's Workload Actual measurements",
                ["benchmarks"] = benchmarks,
            };
        }
    }
}
