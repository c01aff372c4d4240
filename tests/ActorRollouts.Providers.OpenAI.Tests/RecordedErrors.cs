using System.Text.Json;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>Recorded HTTP error answers as <see cref="Replay"/>s: the status, the error body and, where the recording
/// kept them, the <c>x-*</c>/<c>openai-*</c> headers.</summary>
internal static class RecordedErrors
{
    /// <summary>An entry of an openai-dotnet SessionRecords file.</summary>
    public static Replay SessionRecord(string relative, int entry)
    {
        var e = Fixtures.Json(relative).GetProperty("Entries")[entry];
        var headers = e.GetProperty("ResponseHeaders").EnumerateObject()
            .Where(h => h.Name.StartsWith("x-", StringComparison.OrdinalIgnoreCase) || h.Name.StartsWith("openai-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Name, h => h.Value.GetString()!);
        return new Replay(e.GetProperty("ResponseBody").GetRawText(), e.GetProperty("StatusCode").GetInt32(), "application/json", headers);
    }

    /// <summary>A bare error body (vercel keeps the body only; the status comes from the caller).</summary>
    public static Replay Body(string relative, int status) => new(Fixtures.Text(relative), status, "application/json");

    /// <summary>The first error answer (status ≥ 400) of a pydantic-ai VCR.py cassette. These keep the JSON body parsed,
    /// as YAML: <c>parsed_body: error:</c> with four scalars (plain, <c>'quoted'</c> or <c>null</c>, possibly folded over
    /// several lines). That much YAML is read here and written back as the API's JSON.</summary>
    public static Replay Cassette(string relative)
    {
        var lines = Fixtures.Text(relative).Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i] != "  response:") continue;
            // The answer runs to the next interaction ("- request:") or the end ("version: 1"); block scalars inside
            // it (SSE bodies) may hold blank lines.
            var block = lines.Skip(i + 1).TakeWhile(l => !l.StartsWith("- ", StringComparison.Ordinal) && !l.StartsWith("version:", StringComparison.Ordinal)).ToList();
            var status = int.Parse(block[block.IndexOf("    status:") + 1].Trim()["code: ".Length..]);
            var start = block.IndexOf("      error:");
            if (status < 400 || start < 0) continue;
            var fields = new Dictionary<string, string>();
            string? key = null;
            foreach (var line in block.Skip(start + 1).TakeWhile(l => l.StartsWith("        ", StringComparison.Ordinal)))
            {
                if (line[8] != ' ')
                {
                    key = line[8..line.IndexOf(':')];
                    fields[key] = line[(line.IndexOf(':') + 1)..].Trim();
                }
                else fields[key!] += " " + line.Trim(); // a folded continuation line
            }
            var error = fields.ToDictionary(f => f.Key, f => Scalar(f.Value));
            var body = JsonSerializer.Serialize(new Dictionary<string, object> { ["error"] = error });
            return new Replay(body, status, "application/json");
        }
        throw new InvalidOperationException($"no error answer in {relative}");
    }

    private static string? Scalar(string yaml) =>
        yaml == "null" ? null
        : yaml.StartsWith('\'') && yaml.EndsWith('\'') ? yaml[1..^1].Replace("''", "'")
        : yaml;
}
