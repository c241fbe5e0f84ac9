using System.Text.Json.Nodes;
namespace Vtbench.Benchmarks;
public static class MisuseTable { public static JsonObject Run() => new(); }
