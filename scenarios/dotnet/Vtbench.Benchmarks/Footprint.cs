using System.Text.Json.Nodes;
namespace Vtbench.Benchmarks;
public static class Footprint { public static JsonObject Run() => new(); }
