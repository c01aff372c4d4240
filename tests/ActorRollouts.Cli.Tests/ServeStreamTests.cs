using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ActorRollouts.Cli.Tests.Viewer;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary><c>GET /v1/fleets/{id}/trajectories</c> on a real <c>serve</c>: cursors that resume in the middle of a session's
/// token samples, and a stream that stays open and sends sessions as they finish.</summary>
public sealed class ServeStreamTests
{
    /// <summary>Turn 1's answer comes back re-tokenized in turn 2's prompt: the session's tokens split into two samples.
    /// "slow" sessions answer after 400 ms.</summary>
    private const string Script = """
        { "scenarios": [
          { "match": "slow", "delay_ms": 400, "turns": [ { "content": "Done." } ] },
          { "match": "", "turns": [
            { "content": "Looking.", "retokenize": true, "tool_calls": [ { "name": "list_files", "arguments": {} } ] },
            { "content": "Done." } ] } ] }
        """;

    private static async Task<List<JsonNode>> ReadAsync(HttpClient http, string query)
    {
        var text = await http.GetStringAsync($"/v1/fleets/f/trajectories?{query}");
        return [.. text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!)];
    }

    /// <summary>The first <paramref name="count"/> lines of a stream left open (the rest of it is not waited for).</summary>
    private static async Task<List<JsonNode>> ReadOpenAsync(HttpClient http, string query, int count)
    {
        using var response = await http.GetAsync($"/v1/fleets/f/trajectories?{query}", HttpCompletionOption.ResponseHeadersRead);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
        var read = new List<JsonNode>();
        while (read.Count < count && await lines.ReadLineAsync() is { } line) read.Add(JsonNode.Parse(line)!);
        return read;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task ACursorInsideASessionsSamples_ResumesAtItsNextSample_WithoutGapOrDuplicate()
    {
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        await using var serve = await ViewerProcess.StartAsync("serve", "--data-dir", Cli.NewTempDir(), "--port", "0");
        using var http = new HttpClient { BaseAddress = serve.Root };
        var created = await http.PostAsync("/v1/fleets", Json($$"""{"fleet_id": "f", "settings": {"base_url": "{{model.BaseUrl}}", "model": "m", "tokens": "capture"}, "tasks": [{"id": "t", "prompt": "p"}]}"""));
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);

        var all = await ReadOpenAsync(http, "format=tokens&wait=60", 2);
        Assert.Equal(2, all.Count);
        var seq = all[0]["cursor"]!.GetValue<string>().Split(':')[0];
        Assert.Equal([$"{seq}:0", $"{seq}:1"], all.Select(l => l["cursor"]!.GetValue<string>()));
        Assert.All(all, l => Assert.Equal(2, l["session_lines"]!.GetValue<int>()));
        Assert.Equal(["first_turn", "drift"], all.Select(l => l["start_reason"]!.GetValue<string>()));

        var rest = await ReadAsync(http, $"format=tokens&after={seq}:0");
        Assert.Equal(all[1].ToJsonString(), Assert.Single(rest).ToJsonString());
        Assert.Empty(await ReadAsync(http, $"format=tokens&after={seq}:1"));
        Assert.Empty(await ReadAsync(http, $"format=tokens&after={seq}"));
        // The trajectories format has one line per session under the same sequence number.
        Assert.Equal($"{seq}:0", Assert.Single(await ReadAsync(http, "format=trajectories"))["cursor"]!.GetValue<string>());
    }

    [Fact]
    public async Task AnOpenStream_SendsEachSessionAsItFinishes()
    {
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        await using var serve = await ViewerProcess.StartAsync("serve", "--data-dir", Cli.NewTempDir(), "--port", "0");
        using var http = new HttpClient { BaseAddress = serve.Root };
        await http.PostAsync("/v1/fleets", Json($$"""{"fleet_id": "f", "settings": {"base_url": "{{model.BaseUrl}}", "model": "m"}, "tasks": [{"id": "a", "prompt": "slow a"}]}"""));

        using var response = await http.GetAsync("/v1/fleets/f/trajectories?wait=60", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(new MediaTypeHeaderValue("application/x-ndjson") { CharSet = "utf-8" }, response.Content.Headers.ContentType);
        using var lines = new StreamReader(await response.Content.ReadAsStreamAsync());
        var first = JsonNode.Parse((await lines.ReadLineAsync())!)!;
        Assert.Equal("f:a:0", first["session_id"]!.GetValue<string>());

        // A task added now finishes while the same response is still open, and arrives on it.
        await http.PostAsync("/v1/fleets/f/tasks", Json("""{"tasks": [{"id": "b", "prompt": "slow b"}]}"""));
        var second = JsonNode.Parse((await lines.ReadLineAsync())!)!;
        Assert.Equal("f:b:0", second["session_id"]!.GetValue<string>());
        Assert.True(string.CompareOrdinal(first["cursor"]!.GetValue<string>(), second["cursor"]!.GetValue<string>()) != 0);
    }
}
