using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Vtbench.Benchmarks;
using Xunit;

namespace Vtbench.Benchmarks.Tests;

public class FootprintTests
{
    [Fact]
    public void SuspendedTaskHoldsItsBoxAndAnInlineValueNothing()
    {
        Footprint.Row task = Footprint.Measure("task", 2000);
        Assert.InRange(task.BytesPerOp, 64, 512);
        Assert.Equal(0, Footprint.Measure("value_task_inline", 2000).BytesPerOp);
        Assert.True(Footprint.Measure("value_task_source", 2000).BytesPerOp > 0);
        Assert.Equal(8, task.HandleSizeof);
        Assert.Equal(16, Unsafe.SizeOf<ValueTask<int>>());
    }

    [Fact]
    public void UnknownKindIsRefused() =>
        Assert.Throws<System.ArgumentException>(() => Footprint.Measure("nope", 10));
}

public class MisuseTests
{
    private static JsonObject Cell(JsonObject table, string rule, string column) =>
        (JsonObject)table["rules"]!.AsArray().Single(r => (string)r!["rule"]! == rule)!["results"]![column]!;

    [Fact]
    public void RecordsWhatDotNetDoes()
    {
        JsonObject table = MisuseTable.Run();
        Assert.Equal(11, table["rules"]!.AsArray().Count);
        Assert.Equal("allowed", (string)Cell(table, "await_twice", "task")["outcome"]!);
        Assert.Equal("allowed", (string)Cell(table, "concurrent_await", "task")["outcome"]!);
        Assert.Equal("detected", (string)Cell(table, "await_twice", "value_task_source")["outcome"]!);
        Assert.Equal("System.InvalidOperationException", (string)Cell(table, "stale_token", "value_task_source")["exception"]!);
        Assert.Equal("detected", (string)Cell(table, "stale_token", "source_core")["outcome"]!);
        Assert.Equal("detected", (string)Cell(table, "result_before_completion", "pooled_value_task")["outcome"]!);
        JsonObject asTask = (JsonObject)table["as_task"]!;
        Assert.True((bool)asTask["value_task_wrapping_task"]!["returns_the_wrapped_task"]!);
        Assert.Equal(0, (long)asTask["value_task_wrapping_task"]!["bytes"]!);
        Assert.True((long)asTask["value_task_inline"]!["bytes"]! > 0);
        JsonObject crash = Cell(table, "concurrent_await", "value_task_source");
        Assert.Equal("System.InvalidOperationException", (string)crash["exception"]!);
        Assert.Contains("the process crashed", (string)crash["message"]!);
        foreach (string column in new[] { "task", "value_task_inline", "value_task_wrapping_task", "value_task_source", "pooled_value_task" })
            Assert.Equal("allowed", (string)Cell(table, "is_completed", column)["outcome"]!);
    }
}
