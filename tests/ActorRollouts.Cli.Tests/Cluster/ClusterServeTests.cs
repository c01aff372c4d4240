using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ActorRollouts.Cli.Tests.Viewer;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests.Cluster;

/// <summary><c>serve --seeds</c>: the service's fleets run on a cluster of real node processes sharing a PostgreSQL journal;
/// the server only submits and follows them. FakeLlm answers in this process. A session's first answer takes 8 s ("first"
/// tasks) or 5 s ("second" tasks, added while the first run), so that all of them are still in their first turn when the
/// weight update comes; the second answer comes at once.</summary>
public sealed class ClusterServeTests
{
    private const string Script = """
        { "scenarios": [
          { "match": "first", "turns": [
            { "content": "Looking.", "delay_ms": 8000, "tool_calls": [ { "name": "list_files", "arguments": {} } ] },
            { "content": "Done." } ] },
          { "match": "second", "turns": [
            { "content": "Looking.", "delay_ms": 5000, "tool_calls": [ { "name": "list_files", "arguments": {} } ] },
            { "content": "Done." } ] } ] }
        """;

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static async Task<JsonNode> GetAsync(HttpClient http, string path) => JsonNode.Parse(await http.GetStringAsync(path))!;

    /// <summary>Polls what the server reports until <paramref name="done"/> holds (never a fixed sleep in its place).</summary>
    private static async Task<JsonNode> UntilAsync(HttpClient http, string path, Func<JsonNode, bool> done, string what)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        while (true)
        {
            var node = await GetAsync(http, path);
            if (done(node)) return node;
            await Task.Delay(50, timeout.Token).ContinueWith(t => t.IsCanceled ? throw new TimeoutException($"timed out waiting for {what}: {node.ToJsonString()}") : t,
                TaskScheduler.Default);
        }
    }

    [Fact]
    public async Task ServedFleetOnTwoNodes_TakesTasksMidRun_DrainsAWeightUpdate_StreamsEverySessionOnce_AndSurvivesTheServersKill()
    {
        await using var cluster = await RolloutCluster.StartAsync(2);
        await using var model = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        await using var serve = await ViewerProcess.StartAsync(["serve", "--port", "0", .. cluster.SubmitterOptions(Cli.NewTempDir())]);
        using var http = new HttpClient { BaseAddress = serve.Root };

        var created = await http.PostAsync("/v1/fleets", Json($$"""
            {"fleet_id": "cs", "settings": {"base_url": "{{model.BaseUrl}}", "model": "m", "tokens": "capture", "concurrency": 8},
             "tasks": [{"id": "a", "prompt": "first", "samples": 4}]}
            """));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var added = JsonNode.Parse(await (await http.PostAsync("/v1/fleets/cs/tasks", Json("""{"tasks": [{"id": "b", "prompt": "second", "samples": 4}]}"""))).Content.ReadAsStringAsync())!;
        Assert.Equal(4, added["added_sessions"]!.AsArray().Count);

        // Every session's first request is in flight under version 0, wherever it runs: drain waits for all of them.
        await UntilAsync(http, "/v1/fleets/cs", s => s["model_requests"]!["in_flight_by_policy_version"]!["0"]?.GetValue<int>() == 8, "8 requests in flight");
        var update = await http.PostAsync("/v1/fleets/cs/policy", Json("""{"policy_version": 1, "mode": "drain"}"""));
        Assert.True(update.IsSuccessStatusCode, await update.Content.ReadAsStringAsync());
        Assert.Equal(8, JsonNode.Parse(await update.Content.ReadAsStringAsync())!["sessions_updated"]!.GetValue<int>());
        var after = await GetAsync(http, "/v1/fleets/cs");
        Assert.Equal(1, after["policy_version"]!.GetValue<int>());
        Assert.Null(after["model_requests"]!["in_flight_by_policy_version"]!["0"]); // drained

        var samples = new List<JsonNode>();
        using (var response = await http.GetAsync("/v1/fleets/cs/trajectories?format=tokens&wait=90", HttpCompletionOption.ResponseHeadersRead))
        using (var lines = new StreamReader(await response.Content.ReadAsStreamAsync()))
            while (samples.Count < 8 && await lines.ReadLineAsync() is { } line) samples.Add(JsonNode.Parse(line)!);

        var ids = samples.Select(s => s["session_id"]!.GetValue<string>()).ToList();
        Assert.Equal(ids.Distinct().Order(), new[] { "a", "b" }.SelectMany(t => Enumerable.Range(0, 4).Select(i => $"cs:{t}:{i}")).Order());
        foreach (var sample in samples)
        {
            var versions = sample["policy_versions"]!.AsArray().Select(v => v!.GetValue<int>())
                .Zip(sample["response_mask"]!.AsArray().Select(m => m!.GetValue<int>()), (version, mask) => (version, mask))
                .Where(p => p.mask == 1).Select(p => p.version).ToList();
            // Turn 1 ran under version 0 and was waited for; turn 2 went out under version 1.
            Assert.Equal([0, 1], versions.Where((v, i) => i == 0 || versions[i - 1] != v));
        }

        // The server killed and started again re-attaches to the fleet, which the nodes kept running; the cursor still works.
        serve.Process.Kill();
        await serve.Process.WaitForExitAsync();
        await using var again = await ViewerProcess.StartAsync(["serve", "--port", "0", .. cluster.SubmitterOptions(Cli.NewTempDir())]);
        using var http2 = new HttpClient { BaseAddress = again.Root };
        Assert.Equal(1, (await GetAsync(http2, "/v1/fleets/cs"))["policy_version"]!.GetValue<int>());
        var more = await http2.PostAsync("/v1/fleets/cs/tasks", Json("""{"tasks": [{"id": "c", "prompt": "second again"}]}"""));
        Assert.True(more.IsSuccessStatusCode, await more.Content.ReadAsStringAsync());
        using var rest = await http2.GetAsync($"/v1/fleets/cs/trajectories?wait=90&after={samples[^1]["cursor"]!.GetValue<string>()}", HttpCompletionOption.ResponseHeadersRead);
        using var restLines = new StreamReader(await rest.Content.ReadAsStreamAsync());
        var last = JsonNode.Parse((await restLines.ReadLineAsync())!)!;
        Assert.Equal(("cs:c:0", "done"), (last["session_id"]!.GetValue<string>(), last["stop_reason"]!.GetValue<string>()));
    }
}
