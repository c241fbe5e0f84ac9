// Writing a JSON document whole: to a temporary file beside the target, then renamed.
using System.IO;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vtbench.Benchmarks;

public static class Json
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,  // "Task<int>", not "Task\u003Cint\u003E"
    };

    public static void WriteFile(string path, JsonNode document)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (dir is not null) Directory.CreateDirectory(dir);
        string temp = full + ".tmp";
        File.WriteAllText(temp, document.ToJsonString(Indented) + "\n");
        File.Move(temp, full, overwrite: true);
    }
}
