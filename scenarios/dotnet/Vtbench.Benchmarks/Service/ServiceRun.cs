// The service sweep (the C++ side's service_main.cpp): for each worker count, clients per
// worker and hit percent, it connects a worker group and runs every selected implementation's
// repetitions interleaved (each round one repetition per implementation, in a shuffled order,
// so drift falls on all alike; the same shuffle as the C++ side's); the open loop follows at
// fractions of the best closed-loop median throughput. bare_query (the query alone) joins the
// rounds at hit 0, where every request is a query. Before the sweep, a JIT warm-up runs every
// implementation until the tiered JIT has promoted it (as Warmup.cs does for the benchmarks).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime;
using System.Threading;

namespace Vtbench.Benchmarks.Service;

/// <summary>One run: an implementation at a hit ratio, under a load, with its repetitions.</summary>
public sealed record RunResult(
    string Implementation, double HitPercent, int Workers, int ClientsPerWorker, LoadKind Loop, double TargetRate,
    List<RepetitionResult> Repetitions);

/// <summary>A configuration failed: the message names it.</summary>
public sealed class ConfigurationException(string message, Exception? inner = null) : Exception(message, inner);

public sealed class ServiceRun<T, TP> : IDisposable where TP : struct, IPayload<T>
{
    private const double JitWarmUpMinSeconds = 1.0;
    private const double JitWarmUpMaxSeconds = 2.5;

    private readonly ServiceOptions _options;
    private readonly string _connectionString;
    private readonly ServerControl _control;
    private readonly List<RunResult> _results = [];
    private int _group;

    public ServiceRun(ServiceOptions options, string connectionString)
    {
        _options = options;
        _connectionString = connectionString;
        _control = new ServerControl(connectionString);
    }

    public string ServerVersion() => _control.ServerVersion();

    public (int Rounds, double Seconds) JitWarmUp { get; private set; }

    public List<RunResult> RunAll()
    {
        foreach (int workers in _options.Workers)  // before anything runs: a configuration that cannot connect
        {
            foreach (int clients in _options.ClientsPerWorker)
                CheckConnections($"workers:{workers}/clients:{clients}", workers, clients);
        }
        WarmUpJit();
        int group = 0;
        int groups = _options.Workers.Count * _options.ClientsPerWorker.Count * _options.HitPercents.Count;
        foreach (int workers in _options.Workers)
        {
            foreach (int clients in _options.ClientsPerWorker)
            {
                foreach (double hit in _options.HitPercents)
                {
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{ServiceProgram.Name}: [{++group}/{groups}] workers:{workers} clients:{clients} hit:{hit}"));
                    RunGroup(workers, clients, hit);
                }
            }
        }
        return _results;
    }

    /// <summary>After a successful run only: a failed one leaves the connections to the process's end.</summary>
    public void Dispose() => _control.Dispose();

    /// <summary>Rounds of every implementation at hit 50 %, until a round compiles no new method (at least two).</summary>
    private void WarmUpJit()
    {
        int clients = _options.Multiplexing ? _options.ClientsPerWorker.Max() : _options.ClientsPerWorker.Min();
        using var group = new ServiceGroup<T, TP>(_connectionString, _options.Multiplexing, 50, 1, clients, 0.05, _group++);
        var plan = new RepetitionPlan(LoadKind.Closed, (long)(0.05 * Stopwatch.Frequency), 0);
        JitWarmUp = Warmup.UntilJitSettles(JitWarmUpMinSeconds, JitWarmUpMaxSeconds, () =>
        {
            foreach (string implementation in _options.Implementations)
                Guarded("jit-warm-up", implementation, () => group.Repeat(implementation, plan, _control));
        });
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{ServiceProgram.Name}: JIT warm-up: {JitWarmUp.Rounds} rounds in {JitWarmUp.Seconds:F1} s"));
    }

    private void RunGroup(int workers, int clients, double hit)
    {
        double longest = Math.Max(_options.RepetitionSeconds, _options.WarmUpSeconds);
        using var group = new ServiceGroup<T, TP>(_connectionString, _options.Multiplexing, hit, workers, clients, longest,
                                                  _group++);
        int first = _results.Count;
        string[] implementations = _options.Implementations
            .Where(name => name != ServiceImplementations.BareQuery || hit == 0).ToArray();
        RunLoopKind(group, implementations, LoadKind.Closed, workers, clients, hit, 0);
        bool open = _options.OpenLoop && _options.OpenWorkers.Contains(workers) &&
                    _options.OpenClientsPerWorker.Contains(clients);
        if (!open) return;
        double best = 0;
        for (int index = first; index < _results.Count; ++index)
        {
            if (_results[index].Implementation == ServiceImplementations.BareQuery) continue;
            best = Math.Max(best, Median(_results[index].Repetitions.Select(r => r.Requests / r.Seconds)));
        }
        foreach (int percent in _options.OpenLoadPercents)
            RunLoopKind(group, implementations.Where(name => name != ServiceImplementations.BareQuery).ToArray(),
                        LoadKind.Open, workers, clients, hit, best * percent / 100);
    }

    private void RunLoopKind(ServiceGroup<T, TP> group, string[] implementations, LoadKind loop, int workers,
                             int clients, double hit, double rate)
    {
        string name = ConfigurationName(loop, workers, clients, hit, rate);
        int first = _results.Count;
        var order = new List<int>();
        foreach (string implementation in implementations)
        {
            order.Add(_results.Count);
            _results.Add(new RunResult(implementation, hit, workers, clients, loop, rate, []));
        }
        var plan = new RepetitionPlan(loop, Ticks(_options.WarmUpSeconds), rate / workers);
        foreach (int index in order)
        {
            string implementation = _results[index].Implementation;
            Guarded(name, implementation, () => group.Repeat(implementation, plan, _control));  // warm-up, unrecorded
        }
        plan = plan with { LengthTicks = Ticks(_options.RepetitionSeconds) };
        var random = new SplitMix64((ulong)first * 7919 + 1);
        for (int round = 0; round < _options.Repetitions; ++round)
        {
            for (int i = order.Count; i > 1; --i)
            {
                int j = (int)random.Bounded((uint)i);
                (order[i - 1], order[j]) = (order[j], order[i - 1]);
            }
            foreach (int index in order)
            {
                string implementation = _results[index].Implementation;
                _results[index].Repetitions.Add(Guarded(name, implementation,
                                                        () => group.Repeat(implementation, plan, _control)));
            }
        }
    }

    /// <summary>A group's workers, and this process's control connection, must fit the server's max_connections.</summary>
    private void CheckConnections(string configuration, int workers, int clients)
    {
        int needed = workers * NpgsqlDatabase<T, TP>.Connections(_options.Multiplexing, clients) + 1;
        int allowed = _control.MaxConnections();
        if (needed > allowed)
            throw new ConfigurationException(
                $"{configuration}: needs {needed} connections ({workers} worker(s) x " +
                $"{NpgsqlDatabase<T, TP>.Connections(_options.Multiplexing, clients)}, and the control connection), " +
                $"the server allows {allowed} (max_connections){(_options.Multiplexing ? "" : ": without multiplexing every request in flight has its own")}");
    }

    private static RepetitionResult Guarded(string configuration, string implementation, Func<RepetitionResult> body)
    {
        try
        {
            return body();
        }
        catch (Exception error) when (error is not ConfigurationException)
        {
            throw new ConfigurationException(
                $"{configuration}/impl:{implementation}: {ServiceProgram.OneLine(error)}", error);
        }
    }

    private static long Ticks(double seconds) => (long)(seconds * Stopwatch.Frequency);

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    public static string ConfigurationName(LoadKind loop, int workers, int clients, double hit, double rate)
    {
        string name = string.Create(CultureInfo.InvariantCulture,
            $"loop:{(loop == LoadKind.Closed ? "closed" : "open")}/workers:{workers}/clients:{clients}/hit:{hit}");
        return rate > 0 ? name + string.Create(CultureInfo.InvariantCulture, $"/rate:{(ulong)rate}") : name;
    }
}
