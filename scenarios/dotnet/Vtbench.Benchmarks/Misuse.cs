// Claims C8 and C9 run for real on .NET: each case of scenarios/misuse_cases.hpp tried against
// the .NET type it stands for, recording what actually happened, in misuse.json's schema
// (docs/results-format.md): outcome allowed (works, as for a Task), detected (refused with an
// exception: its type and message) or undetected (goes unnoticed: a wrong result or a hang).
using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace Vtbench.Benchmarks;

/// <summary>The loop ran dry while something still waited on it: in a real program, a hang.</summary>
public sealed class LoopRanDryException(string message) : Exception(message);

/// <summary>An awaitable turn of the run loop: posted at once, completed when the loop runs it.</summary>
public sealed class LoopTurn : IWorkItem, IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core;

    public static ValueTask Schedule(RunLoop loop)
    {
        var turn = new LoopTurn();
        loop.Post(turn);
        return new ValueTask(turn, turn._core.Version);
    }

    public void Execute() => _core.SetResult(true);
    public void GetResult(short token) => _core.GetResult(token);
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token,
                            ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

public static class MisuseTable
{
    public const int Expected = 42;
    public const int HangTimeoutMs = 2000;

    public static readonly (string Name, string Type)[] Implementations =
    [
        ("task", "System.Threading.Tasks.Task<int>"),
        ("value_task_inline", "ValueTask<int> holding its value"),
        ("value_task_wrapping_task", "ValueTask<int> wrapping a Task<int>"),
        ("value_task_source", "ValueTask<int> from a pooled IValueTaskSource<int> on ManualResetValueTaskSourceCore<int>"),
        ("pooled_value_task", "[AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] async ValueTask<int>"),
        ("source_core", "ManualResetValueTaskSourceCore<int> used directly"),
    ];

    public enum Kind { Inline, WrappingTask, Source, Pooled }

    private static readonly (string Name, Kind Kind)[] ValueTaskColumns =
    [
        ("value_task_inline", Kind.Inline),
        ("value_task_wrapping_task", Kind.WrappingTask),
        ("value_task_source", Kind.Source),
        ("pooled_value_task", Kind.Pooled),
    ];

    public sealed record Cell(string Outcome, string Exception, string Message);

    public sealed class Rule(string name, string claim, string description)
    {
        public string Name { get; } = name;
        public string Claim { get; } = claim;
        public string Description { get; } = description;
        public string? Note { get; init; }
        public List<(string Implementation, Cell Cell)> Results { get; } = [];
        public void Add(string implementation, Func<Cell> run)
        {
            if (s_only is { } only)
            {
                if (only.Rule == Name && only.Column == implementation) Results.Add((implementation, Attempt(run)));
                return;
            }
            Results.Add((implementation, Isolated.Contains((Name, implementation)) ? RunInChild(Name, implementation) : Attempt(run)));
        }
    }

    /// <summary>
    /// Cells that register a second continuation through an await: the source's OnCompleted throws
    /// inside the async method builder, which rethrows it on the thread pool, where nothing can
    /// catch it and the process dies. They run in a child process (this program's misuse-cell mode).
    /// </summary>
    private static readonly HashSet<(string Rule, string Column)> Isolated =
    [
        ("await_after_as_task", "value_task_source"), ("await_after_as_task", "pooled_value_task"),
        ("concurrent_await", "value_task_source"), ("concurrent_await", "pooled_value_task"),
    ];

    private static (string Rule, string Column)? s_only;

    /// <summary>The misuse-cell mode: runs one cell and prints it as JSON (for the parent).</summary>
    public static JsonObject RunCell(string rule, string column)
    {
        s_only = (rule, column);
        foreach (Rule r in RunAll())
            foreach (var (implementation, cell) in r.Results)
                return CellJson(cell);
        throw new InvalidOperationException($"misuse: no cell {rule}/{column}");
    }

    private static JsonObject CellJson(Cell cell) => new()
    {
        ["outcome"] = cell.Outcome,
        ["exception"] = cell.Exception,
        ["message"] = cell.Message,
    };

    private static Cell RunInChild(string rule, string column)
    {
        // This program, again: through its own host when it is the entry point, else (a test host) through dotnet.
        bool entry = System.Reflection.Assembly.GetEntryAssembly() == typeof(MisuseTable).Assembly;
        string host = (entry ? Environment.ProcessPath : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH")) ?? "dotnet";
        var start = new System.Diagnostics.ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (System.IO.Path.GetFileNameWithoutExtension(host) == "dotnet")
            start.ArgumentList.Add(typeof(MisuseTable).Assembly.Location);
        foreach (string arg in new[] { "misuse-cell", rule, column }) start.ArgumentList.Add(arg);
        using var child = System.Diagnostics.Process.Start(start)
            ?? throw new InvalidOperationException("misuse: could not start a child process");
        System.Threading.Tasks.Task<string> stderr = child.StandardError.ReadToEndAsync();
        string stdout = child.StandardOutput.ReadToEnd();
        if (!child.WaitForExit(30_000))
        {
            child.Kill();
            return new Cell("undetected", "", "hangs: the child process did not finish in 30 s");
        }
        string errors = stderr.Result;
        if (child.ExitCode == 0)
        {
            JsonNode cell = JsonNode.Parse(stdout) ?? throw new InvalidOperationException("misuse: empty child output");
            return new Cell((string)cell["outcome"]!, (string)cell["exception"]!, (string)cell["message"]!);
        }
        const string marker = "Unhandled exception. ";
        int at = errors.IndexOf(marker, StringComparison.Ordinal);
        string line = at < 0 ? errors.Trim() : errors[(at + marker.Length)..].Split('\n')[0].Trim();
        int colon = line.IndexOf(": ", StringComparison.Ordinal);
        string type = colon > 0 ? line[..colon] : "", message = colon > 0 ? line[(colon + 2)..] : line;
        return new Cell("detected", type,
            $"{message} (thrown by the source's OnCompleted inside the await, rethrown on the thread pool: " +
            $"unhandled, the process crashed with exit code {child.ExitCode})");
    }

    private static Cell Attempt(Func<Cell> run)
    {
        using var scope = new NoSynchronizationContext();
        try
        {
            return run();
        }
        catch (LoopRanDryException hang)
        {
            return new Cell("undetected", "", hang.Message);
        }
        catch (Exception error)
        {
            Exception inner = error is AggregateException { InnerException: { } first } ? first : error;
            return new Cell("detected", inner.GetType().FullName ?? inner.GetType().Name, inner.Message);
        }
    }

    private static Cell Observed(bool asExpected, string what) => new(asExpected ? "allowed" : "undetected", "", what);

    private static string Values(params int[] values) => string.Join(", ", values);

    // ---- Making the instances: completed, or pending until the loop runs. ----

    /// <summary>Makes the ValueTasks of one case; pending ones complete when its loop runs.</summary>
    private sealed class Maker
    {
        public RunLoop Loop { get; } = new();

        public ValueTask<int> Completed(Kind kind)
        {
            switch (kind)
            {
                case Kind.Inline: return new ValueTask<int>(Expected);
                case Kind.WrappingTask: return new ValueTask<int>(Task.FromResult(Expected));
                case Kind.Source:
                    PooledSource<int, IntPayload> source = Rent();
                    var completed = new ValueTask<int>(source, source.Version);
                    source.SetResult(Expected);
                    return completed;
                default: return PooledNow();
            }
        }

        /// <summary>A ValueTask holding its value is never pending: that kind gets a completed one.</summary>
        public ValueTask<int> PendingIfPossible(Kind kind)
        {
            switch (kind)
            {
                case Kind.Inline: return Completed(kind);
                case Kind.WrappingTask: return new ValueTask<int>(TaskLater(Loop));
                case Kind.Source:
                    PooledSource<int, IntPayload> source = Rent();
                    Loop.Post(new CompleteSource(source, Expected));
                    return new ValueTask<int>(source, source.Version);
                default: return PooledLater(Loop);
            }
        }

        private static PooledSource<int, IntPayload> Rent() =>
            PooledSource<int, IntPayload>.Rent() ?? throw new InvalidOperationException("misuse: the source pool is exhausted");
    }

    private sealed class CompleteSource(PooledSource<int, IntPayload> source, int value) : IWorkItem
    {
        public void Execute() => source.SetResult(value);
    }

    private static async Task<int> TaskLater(RunLoop loop)
    {
        await LoopTurn.Schedule(loop);
        return Expected;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<int> PooledLater(RunLoop loop)
    {
        await LoopTurn.Schedule(loop);
        return Expected;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<int> PooledNow()
    {
        await Task.CompletedTask;
        return Expected;
    }

    private static async Task<int> AwaitTask(Task<int> task) => await task;

    private static async Task<int> AwaitValueTask(ValueTask<int> valueTask) => await valueTask;

    /// <summary>Awaits from an async method and runs the loop until that completes (C++ sync_wait).</summary>
    private static int SyncWait(RunLoop loop, Task<int> awaiting)
    {
        while (!awaiting.IsCompleted)
        {
            // A Task with two awaiters resumes the first on the thread pool: give it time.
            if (!loop.RunOne() && !SpinWait.SpinUntil(() => awaiting.IsCompleted || loop.Pending > 0, HangTimeoutMs))
                throw new LoopRanDryException($"hangs: nothing completed the awaited operation within {HangTimeoutMs} ms (a deadlock in a real program)");
        }
        return awaiting.GetAwaiter().GetResult();
    }

    private static int SyncWait(RunLoop loop, ValueTask<int> valueTask) => SyncWait(loop, AwaitValueTask(valueTask));

    private static void ForValueTasks(Rule rule, bool pendingOnly, Func<Maker, Kind, Cell> run)
    {
        foreach (var (name, kind) in ValueTaskColumns)
        {
            if (pendingOnly && kind == Kind.Inline) continue;
            rule.Add(name, () =>
            {
                var maker = new Maker();
                try
                {
                    return run(maker, kind);
                }
                finally
                {
                    maker.Loop.Run();  // whatever a case left pending completes
                }
            });
        }
    }

    // ---- The rules, in table order. ----

    private static Rule AwaitTwice()
    {
        var rule = new Rule("await_twice", "C8", "await the same instance a second time, after the first await returned");
        rule.Add("task", () =>
        {
            var loop = new RunLoop();
            Task<int> task = TaskLater(loop);
            int first = SyncWait(loop, AwaitTask(task)), second = SyncWait(loop, AwaitTask(task));
            return Observed(first == Expected && second == Expected, "both awaits returned " + Values(first, second));
        });
        ForValueTasks(rule, false, (maker, kind) =>
        {
            ValueTask<int> valueTask = maker.PendingIfPossible(kind);
            int first = SyncWait(maker.Loop, valueTask), second = SyncWait(maker.Loop, valueTask);
            return Observed(first == Expected && second == Expected, "both awaits returned " + Values(first, second));
        });
        return rule;
    }

    private static Rule AwaitAfterAsTask()
    {
        var rule = new Rule("await_after_as_task", "C8", "await the instance after as_task() converted it");
        ForValueTasks(rule, false, (maker, kind) =>
        {
            ValueTask<int> valueTask = maker.PendingIfPossible(kind);
            Task<int> converted = valueTask.AsTask();
            int awaited = SyncWait(maker.Loop, valueTask);
            return Observed(awaited == Expected, "the await returned " + awaited);
        });
        return rule;
    }

    private static Rule UseAfterMove() => new("use_after_move", "C8", "await the moved-from instance")
    {
        Note = "C# has no move: a ValueTask is copied, and awaiting a copy after the operation ended is stale_token",
    };

    private static Rule ResultBeforeCompletion()
    {
        var rule = new Rule("result_before_completion", "C8",
                            "read the result of an instance that has not completed (block on it)");
        rule.Add("task", () =>
        {
            Task<int> task = Task.Run(() =>
            {
                Thread.Sleep(20);
                return Expected;
            });
            bool pending = !task.IsCompleted;
            int got = task.Result;
            return Observed(pending && got == Expected,
                (pending ? "Result blocked until another thread completed the task, then returned "
                         : "the task completed before Result was read (not a test of blocking); Result returned ") + got);
        });
        ForValueTasks(rule, true, (maker, kind) =>
        {
            ValueTask<int> valueTask;
            if (kind == Kind.WrappingTask)
            {
                // Its Task completed by another thread (the loop's thread would deadlock on .Result).
                var completion = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
                ThreadPool.QueueUserWorkItem(_ =>
                {
                    Thread.Sleep(20);
                    completion.SetResult(Expected);
                });
                valueTask = new ValueTask<int>(completion.Task);
            }
            else
            {
                valueTask = maker.PendingIfPossible(kind);
            }
            bool pending = !valueTask.IsCompleted;
            int got = valueTask.Result;
            return Observed(got == Expected,
                (pending ? "Result on the pending instance blocked, then returned " : "Result returned ") + got);
        });
        return rule;
    }

    private static Rule ConcurrentAwait()
    {
        var rule = new Rule("concurrent_await", "C8", "a second awaiter on a pending instance while the first waits");
        rule.Add("task", () =>
        {
            var loop = new RunLoop();
            Task<int> task = TaskLater(loop);
            Task<int> first = AwaitTask(task), second = AwaitTask(task);
            int a = SyncWait(loop, first), b = SyncWait(loop, second);
            return Observed(a == Expected && b == Expected, "both awaiters received " + Values(a, b));
        });
        ForValueTasks(rule, true, (maker, kind) =>
        {
            ValueTask<int> valueTask = maker.PendingIfPossible(kind);
            Task<int> first = AwaitValueTask(valueTask), second = AwaitValueTask(valueTask);
            int a = SyncWait(maker.Loop, first), b = SyncWait(maker.Loop, second);
            return Observed(a == Expected && b == Expected, "both awaiters received " + Values(a, b));
        });
        return rule;
    }

    private static Rule StaleToken()
    {
        var rule = new Rule("stale_token", "C8",
            "await a second instance for the same source operation (a .NET struct copy) after the operation ended and the source was reused");
        rule.Add("value_task_source", () =>
        {
            var loop = new RunLoop();
            PooledSource<int, IntPayload> rented = PooledSource<int, IntPayload>.Rent()!;
            var original = new ValueTask<int>(rented, rented.Version);
            ValueTask<int> copy = original;  // same source, same token
            rented.SetResult(Expected);
            int first = SyncWait(loop, original);  // ends the operation: the source is reset and returned
            PooledSource<int, IntPayload> reused = PooledSource<int, IntPayload>.Rent()!;
            var next = new ValueTask<int>(reused, reused.Version);
            reused.SetResult(Expected + 1);
            try
            {
                int copied = SyncWait(loop, copy);
                return Observed(first == Expected && copied == Expected,
                    $"the copy's await returned {copied} (reused source: {(ReferenceEquals(rented, reused) ? "the same object" : "another object")})");
            }
            finally
            {
                _ = next.Result;  // give the reused source back
            }
        });
        rule.Add("source_core", () =>
        {
            var core = new ManualResetValueTaskSourceCore<int>();
            short token = core.Version;
            core.SetResult(Expected);
            int first = core.GetResult(token);
            core.Reset();
            int again = core.GetResult(token);
            return Observed(first == Expected && again == Expected, "GetResult with the old token returned " + again);
        });
        return rule;
    }

    private static Rule GetResultBeforeCompletion()
    {
        var rule = new Rule("get_result_before_completion", "C8", "a source's get_result(token) before it completed");
        rule.Add("source_core", () =>
        {
            var core = new ManualResetValueTaskSourceCore<int>();
            int got = core.GetResult(core.Version);
            return Observed(false, $"GetResult returned {got} before any result was set");
        });
        return rule;
    }

    private static Rule SecondCompletion()
    {
        var rule = new Rule("second_completion", "C8", "complete one operation twice");
        rule.Add("value_task_source", () =>
        {
            PooledSource<int, IntPayload> rented = PooledSource<int, IntPayload>.Rent()!;
            var valueTask = new ValueTask<int>(rented, rented.Version);
            rented.SetResult(Expected);
            try
            {
                rented.SetResult(Expected + 1);
                return Observed(false, "both completions were accepted; the await returned " + valueTask.Result);
            }
            catch (InvalidOperationException)
            {
                _ = valueTask.Result;  // give the source back
                throw;
            }
        });
        rule.Add("source_core", () =>
        {
            var core = new ManualResetValueTaskSourceCore<int>();
            core.SetResult(Expected);
            core.SetResult(Expected + 1);
            return Observed(false, "both completions were accepted; GetResult returned " + core.GetResult(core.Version));
        });
        return rule;
    }

    private static Rule SecondContinuation()
    {
        var rule = new Rule("second_continuation", "C8", "register a second continuation on one source operation");
        rule.Add("source_core", () =>
        {
            var core = new ManualResetValueTaskSourceCore<int>();
            var calls = new StrongBox<int>(0);
            Action<object?> count = state => ++((StrongBox<int>)state!).Value;
            core.OnCompleted(count, calls, core.Version, ValueTaskSourceOnCompletedFlags.None);
            core.OnCompleted(count, calls, core.Version, ValueTaskSourceOnCompletedFlags.None);
            core.SetResult(Expected);
            return Observed(false, $"both continuations were accepted; {calls.Value} ran on completion");
        });
        return rule;
    }

    private static Rule IsCompleted()
    {
        var rule = new Rule("is_completed", "C9",
                            "check is_completed() before reading the result; await when it is not completed");
        rule.Add("task", () =>
        {
            var loop = new RunLoop();
            Task<int> task = TaskLater(loop);
            bool pendingSeen = !task.IsCompleted;
            int awaited = SyncWait(loop, AwaitTask(task));
            bool completedSeen = task.IsCompleted;
            int read = task.Result;
            return Observed(pendingSeen && completedSeen && awaited == Expected && read == Expected,
                "IsCompleted was false while pending and true after; await and Result returned " + Values(awaited, read));
        });
        ForValueTasks(rule, false, (maker, kind) =>
        {
            ValueTask<int> completed = maker.Completed(kind);
            bool completedSeen = completed.IsCompleted;
            int read = completedSeen ? completed.Result : SyncWait(maker.Loop, completed);
            if (kind == Kind.Inline)
                return Observed(completedSeen && read == Expected, "IsCompleted was true; Result returned " + read);
            ValueTask<int> pending = maker.PendingIfPossible(kind);
            bool pendingSeen = !pending.IsCompleted;
            int awaited = pendingSeen ? SyncWait(maker.Loop, pending) : pending.Result;
            return Observed(completedSeen && pendingSeen && read == Expected && awaited == Expected,
                $"IsCompleted was true on a completed instance (Result returned {read}) and false on a pending one (its await returned {awaited})");
        });
        return rule;
    }

    private static Rule AsTaskManyAwaits()
    {
        var rule = new Rule("as_task_many_awaits", "C9",
                            "convert once with as_task() (std::future: share()), then await the result many times");
        ForValueTasks(rule, false, (maker, kind) =>
        {
            ValueTask<int> valueTask = maker.PendingIfPossible(kind);
            Task<int> task = valueTask.AsTask();
            bool startedPending = !task.IsCompleted;
            Task<int> first = AwaitTask(task), second = AwaitTask(task);
            int a = SyncWait(maker.Loop, first), b = SyncWait(maker.Loop, second), c = SyncWait(maker.Loop, AwaitTask(task));
            return Observed(a == Expected && b == Expected && c == Expected,
                (startedPending ? "three awaits of the Task (two started while it was pending) returned "
                                : "three awaits of the (completed) Task returned ") + Values(a, b, c));
        });
        return rule;
    }

    /// <summary>
    /// C9's AsTask(): whether it returns the wrapped Task itself, and what it allocates
    /// (GC.GetAllocatedBytesForCurrentThread around the call), per kind of ValueTask.
    /// </summary>
    public static JsonObject AsTaskFacts()
    {
        using var scope = new NoSynchronizationContext();
        var facts = new JsonObject();
        for (int round = 0; round < 2; ++round)  // the first round loads and JITs what AsTask uses
        {
            foreach (var (name, kind) in ValueTaskColumns)
            {
                var maker = new Maker();
                ValueTask<int> valueTask = kind == Kind.WrappingTask
                    ? new ValueTask<int>(TaskLater(maker.Loop))
                    : maker.PendingIfPossible(kind);
                object? wrapped = kind == Kind.WrappingTask ? GetObject(valueTask) : null;
                long before = GC.GetAllocatedBytesForCurrentThread();
                Task<int> task = valueTask.AsTask();
                long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
                int value = SyncWait(maker.Loop, AwaitTask(task));
                maker.Loop.Run();
                facts[name] = new JsonObject
                {
                    ["pending"] = kind != Kind.Inline,
                    ["returns_the_wrapped_task"] = wrapped is not null && ReferenceEquals(wrapped, task),
                    ["bytes"] = bytes,
                    ["value"] = value,
                };
            }
        }
        return facts;
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_obj")]
    private static extern ref readonly object? ObjField(ref readonly ValueTask<int> valueTask);

    private static object? GetObject(ValueTask<int> valueTask) => ObjField(in valueTask);

    public static List<Rule> RunAll() =>
    [
        AwaitTwice(), AwaitAfterAsTask(), UseAfterMove(), ResultBeforeCompletion(), ConcurrentAwait(), StaleToken(),
        GetResultBeforeCompletion(), SecondCompletion(), SecondContinuation(), IsCompleted(), AsTaskManyAwaits(),
    ];

    public static JsonObject Run()
    {
        var implementations = new JsonObject();
        foreach (var (name, type) in Implementations) implementations[name] = type;
        var rules = new JsonArray();
        foreach (Rule rule in RunAll())
        {
            var results = new JsonObject();
            foreach (var (implementation, cell) in rule.Results) results[implementation] = CellJson(cell);
            var entry = new JsonObject
            {
                ["rule"] = rule.Name,
                ["claim"] = rule.Claim,
                ["description"] = rule.Description,
                ["results"] = results,
            };
            if (rule.Note is not null) entry["note"] = rule.Note;
            rules.Add(entry);
        }
        return new JsonObject
        {
            ["runtime"] = System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription,
            ["implementations"] = implementations,
            ["rules"] = rules,
            ["as_task"] = AsTaskFacts(),
        };
    }
}
