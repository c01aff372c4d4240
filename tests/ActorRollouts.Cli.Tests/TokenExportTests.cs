using System.Text.Json.Nodes;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary><c>run --tokens capture</c> against a vLLM-shaped server, then <c>export --format tokens</c>: the samples rebuilt
/// from the journal hold, token for token, the ids the server saw and generated and the logprobs it gave; they split
/// exactly where the server re-tokenized the model's answer; and each generated token carries the policy version of the
/// request that produced it, across a kill and a <c>resume --policy-version</c>.</summary>
public class TokenExportTests
{
    /// <summary>Three tool turns over the template's file, then an answer. <paramref name="retokenizeTurn"/> (0-based) makes
    /// the server re-tokenize that answer when it comes back in history.</summary>
    private static string Script(int delayMs = 0, int? retokenizeTurn = null, bool dropThink = false)
    {
        string[] turns =
        [
            """ "content": "Reading it.", "tool_calls": [ { "name": "read_file", "arguments": { "path": "a.txt" } } ] """,
            """ "tool_calls": [ { "name": "list_files", "arguments": {} } ] """,
            """ "content": "Once more.", "tool_calls": [ { "name": "read_file", "arguments": { "path": "a.txt" } } ] """,
            """ "content": "It says hello." """,
        ];
        var played = turns.Select((t, i) => "{" + t + (i == retokenizeTurn ? ", \"retokenize\": true" : "")
                                                     + (dropThink ? $", \"reasoning\": \"Thinking about step {i + 1}.\"" : "") + "}");
        var template = dropThink ? "\"template\": \"drop_think\", " : "";
        return $$"""{ "scenarios": [ { {{template}}"delay_ms": {{delayMs}}, "turns": [ {{string.Join(", ", played)}} ] } ] }""";
    }

    private static async Task<(string Tasks, string Data)> FleetFiles(int tasks)
    {
        var dir = Cli.NewTempDir();
        Directory.CreateDirectory(Path.Combine(dir, "template"));
        await File.WriteAllTextAsync(Path.Combine(dir, "template", "a.txt"), "hello\n");
        var file = Path.Combine(dir, "tasks.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, tasks).Select(i =>
            $$"""{"id":"t{{i}}","prompt":"task {{i}}: what does a.txt say?","workspace":"template","metadata":{"n":{{i}}} """ + "}"));
        return (file, Path.Combine(dir, "data"));
    }

    private static async Task<List<JsonObject>> ExportAsync(string data, string fleet)
    {
        var file = Path.Combine(Cli.NewTempDir(), "tokens.jsonl");
        var export = await Cli.RunAsync(["export", "--fleet", fleet, "--format", "tokens", "--data-dir", data, "--out", file]);
        Assert.True(export.ExitCode == 0, export.ToString());
        return (await File.ReadAllLinesAsync(file)).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
    }

    /// <summary>What the server saw and generated for one session, turn by turn: each turn's last answered request (one
    /// cut by a kill was sent again).</summary>
    private static List<FakeTokens> Generated(FakeLlmServer server, string taskId) =>
        server.Requests.Where(r => r.StatusCode == 200 && r.Tokens is not null && r.Body.Contains($"task {taskId[1..]}: what", StringComparison.Ordinal))
            .GroupBy(r => r.Turn).OrderBy(g => g.Key).Select(g => g.OrderBy(r => r.ReceivedAt).Last().Tokens!).ToList();

    /// <summary>The sample a sequence of extending turns makes: the first prompt, then each completion and the tokens
    /// between it and the next prompt.</summary>
    private static (int[] Prompt, int[] Response, int[] Mask, float[] Logprobs) Expected(IReadOnlyList<FakeTokens> turns)
    {
        var (response, mask, logprobs) = (new List<int>(), new List<int>(), new List<float>());
        for (var k = 0; k < turns.Count; k++)
        {
            response.AddRange(turns[k].CompletionIds);
            mask.AddRange(turns[k].CompletionIds.Select(_ => 1));
            logprobs.AddRange(turns[k].Logprobs);
            if (k + 1 == turns.Count) break;
            var between = turns[k + 1].PromptIds[(turns[k].PromptIds.Length + turns[k].CompletionIds.Length)..];
            response.AddRange(between);
            mask.AddRange(between.Select(_ => 0));
            logprobs.AddRange(between.Select(_ => 0f));
        }
        return (turns[0].PromptIds, [.. response], [.. mask], [.. logprobs]);
    }

    private static int[] Ints(JsonNode? array) => array!.AsArray().Select(n => (int)n!).ToArray();
    private static float[] Floats(JsonNode? array) => array!.AsArray().Select(n => (float)(double)n!).ToArray();

    [Fact]
    public async Task Capture_ExportsSamplesEqualTokenForTokenToWhatTheServerSawAndGenerated()
    {
        var (tasks, data) = await FleetFiles(tasks: 3);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script()));

        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "tok", "--data-dir", data,
            "--tokens", "capture", "--sandbox", "none"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = await ExportAsync(data, "tok");

        Assert.Equal(3, lines.Count);
        foreach (var line in lines)
        {
            var taskId = (string)line["task_id"]!;
            var turns = Generated(server, taskId);
            Assert.Equal(4, turns.Count);
            var (prompt, response, mask, logprobs) = Expected(turns);
            Assert.Equal(prompt, Ints(line["prompt_ids"]));
            Assert.Equal(response, Ints(line["response_ids"]));
            Assert.Equal(mask, Ints(line["response_mask"]));
            Assert.Equal(logprobs, Floats(line["response_logprobs"]));
            Assert.Equal([1, 2, 3, 4], Ints(line["turns"]));
            Assert.Equal("complete", (string?)line["tokens"]);
            Assert.Null(line["drift"]);
            Assert.Equal("done", (string?)line["stop_reason"]);
            Assert.Equal(int.Parse(taskId[1..]), (int)line["metadata"]!["n"]!);
            Assert.Equal(mask.Select(m => m == 1 ? 0 : -1), Ints(line["policy_versions"]));
        }
        // Every request asked for ids, logprobs and the salt of policy version 0.
        Assert.All(server.Requests, r => Assert.Equal("policy-0", (string?)JsonNode.Parse(r.Body)!["cache_salt"]));
    }

    [Fact]
    public async Task Drift_SplitsTheSampleExactlyAtTheTurnThatSawTheRetokenizedAnswer()
    {
        var (tasks, data) = await FleetFiles(tasks: 1);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script(retokenizeTurn: 1)));

        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "drift", "--data-dir", data,
            "--tokens", "capture", "--sandbox", "none"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = await ExportAsync(data, "drift");
        var turns = Generated(server, "t0");

        // Turn 2's answer comes back re-tokenized in turn 3's prompt: turns 1–2 are one sample, 3–4 the next.
        Assert.Equal(2, lines.Count);
        Assert.Equal([1, 2], Ints(lines[0]["turns"]));
        Assert.Equal([3, 4], Ints(lines[1]["turns"]));
        Assert.Null(lines[0]["drift"]);
        Assert.Equal(3, (int)lines[1]["drift"]!);
        Assert.Equal("drift", (string?)lines[1]["start_reason"]);
        var (firstPrompt, firstResponse, _, _) = Expected(turns[..2]);
        var (secondPrompt, secondResponse, _, _) = Expected(turns[2..]);
        Assert.Equal(firstPrompt, Ints(lines[0]["prompt_ids"]));
        Assert.Equal(firstResponse, Ints(lines[0]["response_ids"]));
        Assert.Equal(secondPrompt, Ints(lines[1]["prompt_ids"]));
        Assert.Equal(secondResponse, Ints(lines[1]["response_ids"]));

        var stats = await Cli.RunAsync(["stats", "--fleet", "drift", "--data-dir", data]);
        Assert.Contains("tokens: 2 samples from 1 sessions; 1 turns drifted", stats.Stdout);
    }

    [Fact]
    public async Task ResumeWithANewPolicyVersion_LabelsTheEarlyTurnsZeroAndTheLaterOnesThree()
    {
        var (tasks, data) = await FleetFiles(tasks: 1);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script(delayMs: 200)));
        using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(2));

        // Killed with SIGKILL while turn 3's request is in flight: turns 1 and 2 were answered under version 0.
        var run = Cli.Start(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "pv", "--data-dir", data, "--tokens", "capture", "--sandbox", "none"]);
        await server.WhenRequest(r => r.Turn == 2, bounded.Token);
        await FleetSettingsTests.KillHard(run);
        var resume = await Cli.RunAsync(["resume", "pv", "--data-dir", data, "--policy-version", "3"]);
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains("policy_version: 0 → 3", resume.Stderr);

        var line = Assert.Single(await ExportAsync(data, "pv"));
        var mask = Ints(line["response_mask"]);
        var generatedVersions = Ints(line["policy_versions"]).Where((_, i) => mask[i] == 1);
        var turns = Generated(server, "t0");
        Assert.Equal(turns.SelectMany((t, k) => Enumerable.Repeat(k < 2 ? 0 : 3, t.CompletionIds.Length)), generatedVersions);
        Assert.Equal(Expected(turns).Response, Ints(line["response_ids"]));
        Assert.Equal([1, 2, 3, 4], Ints(line["turns"]));
        Assert.All(server.Requests.Where(r => r.Turn >= 2 && r.StatusCode == 200), r => Assert.Equal("policy-3", (string?)JsonNode.Parse(r.Body)!["cache_salt"]));
    }

    [Theory]
    [InlineData("retokenize")]
    [InlineData("drop_think")]
    public async Task Exact_IsOneSamplePerSession_TheLastRequestsIdsPlusWhatItGenerated(string history)
    {
        var (tasks, data) = await FleetFiles(tasks: 2);
        var script = history == "retokenize" ? Script(retokenizeTurn: 1) : Script(dropThink: true);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(script));

        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "exact", "--data-dir", data,
            "--tokens", "exact", "--sandbox", "none"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = await ExportAsync(data, "exact");

        Assert.Equal(2, lines.Count);
        foreach (var line in lines)
        {
            var taskId = (string)line["task_id"]!;
            var completions = server.Requests.Where(r => r.Path == "/v1/completions" && r.StatusCode == 200 && r.Tokens is not null
                                                         && FakeTokenizer.Decode(r.Tokens.PromptIds).Contains($"task {taskId[1..]}: what", StringComparison.Ordinal))
                .OrderBy(r => r.ReceivedAt).Select(r => r.Tokens!).ToList();
            Assert.Equal(4, completions.Count);
            var last = completions[^1];
            Assert.Equal([.. last.PromptIds, .. last.CompletionIds], [.. Ints(line["prompt_ids"]), .. Ints(line["response_ids"])]);
            Assert.Equal(completions[0].PromptIds, Ints(line["prompt_ids"]));
            Assert.Equal(Expected(completions).Mask, Ints(line["response_mask"]));
            Assert.Equal(Expected(completions).Logprobs, Floats(line["response_logprobs"]));
            Assert.Equal([1, 2, 3, 4], Ints(line["turns"]));
            Assert.Equal("done", (string?)line["stop_reason"]);
        }
        // The tool calls were parsed from the text: every session read a.txt and listed the files.
        var trace = await Cli.RunAsync(["trace", "exact:t0:0", "--data-dir", data]);
        Assert.Contains("\"role\":\"tool\",\"content\":\"     1\\thello\\n\"", trace.Stdout);
        Assert.Contains("\"name\":\"list_files\"", trace.Stdout);
    }

    [Fact]
    public async Task Capture_WithAHistoryRewritingTemplate_StartsASampleAtEveryTurn()
    {
        var (tasks, data) = await FleetFiles(tasks: 1);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script(dropThink: true)));

        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "rewrite", "--data-dir", data,
            "--tokens", "capture", "--sandbox", "none"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = await ExportAsync(data, "rewrite");

        Assert.Equal([null, 2, 3, 4], lines.Select(l => (int?)l["drift"]));
    }

    /// <summary>A sample as a comparable text: everything but the session's own id.</summary>
    private static string Comparable(JsonObject line)
    {
        var copy = line.DeepClone().AsObject();
        copy.Remove("session_id");
        return copy.ToJsonString();
    }

    [Theory]
    [InlineData("capture", 4)] // two sessions, each split once where turn 3's answer came back re-tokenized
    [InlineData("exact", 2)]   // never re-tokenized: one sample a session
    public async Task KilledMidTurnAndResumed_ExportsExactlyTheSamplesOfAnUnkilledRun(string mode, int samples)
    {
        var (tasks, data) = await FleetFiles(tasks: 2);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script(delayMs: 150, retokenizeTurn: 2)));
        using var bounded = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var whole = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "whole", "--data-dir", data,
            "--tokens", mode, "--sandbox", "none"]);
        Assert.True(whole.ExitCode == 0, whole.ToString());
        var wholeEnded = DateTimeOffset.UtcNow;

        // The same fleet again, killed with SIGKILL while a turn-2 request is in flight, then resumed.
        var run = Cli.Start(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "killed", "--data-dir", data, "--tokens", mode, "--sandbox", "none"]);
        await server.WhenRequest(r => r.Turn == 1 && r.ReceivedAt > wholeEnded, bounded.Token);
        await FleetSettingsTests.KillHard(run);
        var resume = await Cli.RunAsync(["resume", "killed", "--data-dir", data]);
        Assert.True(resume.ExitCode == 0, resume.ToString());

        var expected = (await ExportAsync(data, "whole")).Select(Comparable).Order().ToList();
        var actual = (await ExportAsync(data, "killed")).Select(Comparable).Order().ToList();
        Assert.Equal(samples, expected.Count);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Fork_SamplesBeginWithTheParentsPrefixIds()
    {
        var (tasks, data) = await FleetFiles(tasks: 1);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script()));
        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "parent", "--data-dir", data,
            "--tokens", "capture", "--sandbox", "none"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var trace = (await Cli.RunAsync(["trace", "parent:t0:0", "--data-dir", data])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonNode.Parse(l)!).ToList();
        // Branch after the second tool result: the fork asks for turns 3 and 4 itself.
        var branch = (long)trace.Where(l => (string?)l["_type"] == "message" && (string?)l["role"] == "tool").ElementAt(1)["seq"]!;

        var fork = await Cli.RunAsync(["fork", "parent:t0:0", "--at", branch.ToString(), "--samples", "2", "--fleet-id", "kids",
            "--base-url", server.BaseUrl.ToString(), "--data-dir", data]);
        Assert.True(fork.ExitCode == 0, fork.ToString());

        var parent = Assert.Single(await ExportAsync(data, "parent"));
        var kids = await ExportAsync(data, "kids");
        Assert.Equal(2, kids.Count);
        var parentIds = Ints(parent["prompt_ids"]).Concat(Ints(parent["response_ids"])).ToArray();
        foreach (var kid in kids)
        {
            Assert.Equal(Ints(parent["prompt_ids"]), Ints(kid["prompt_ids"]));
            Assert.Equal([1, 2, 3, 4], Ints(kid["turns"]));
            // The whole sample equals the parent's: the same script, the same answers after the branch point.
            Assert.Equal(parentIds, Ints(kid["prompt_ids"]).Concat(Ints(kid["response_ids"])).ToArray());
        }
    }

    [Fact]
    public async Task ParquetExport_HoldsTheJsonExportsSamples_InListColumnsOfInt32AndFloat()
    {
        var (tasks, data) = await FleetFiles(tasks: 2);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script(retokenizeTurn: 1)));
        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "pq", "--data-dir", data,
            "--tokens", "capture", "--sandbox", "none"]);
        Assert.True(run.ExitCode == 0, run.ToString());
        var file = Path.Combine(Cli.NewTempDir(), "pq.parquet");

        var export = await Cli.RunAsync(["export", "--fleet", "pq", "--format", "tokens-parquet", "--data-dir", data, "--out", file]);
        var noOut = await Cli.RunAsync(["export", "--fleet", "pq", "--format", "tokens-parquet", "--data-dir", data]);

        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.Contains("tokens: 4 samples from 2 sessions; 2 turns drifted", export.Stderr);
        Assert.Equal(2, noOut.ExitCode);
        Assert.Contains("--out", noOut.Stderr);
        await using (var stream = File.OpenRead(file))
        await using (var reader = await Parquet.ParquetReader.CreateAsync(stream))
        {
            var fields = reader.Schema.Fields.ToDictionary(f => f.Name);
            Assert.Equal(typeof(int), ((Parquet.Schema.DataField)Assert.IsType<Parquet.Schema.ListField>(fields["prompt_ids"]).Item).ClrType);
            Assert.Equal(typeof(float), ((Parquet.Schema.DataField)((Parquet.Schema.ListField)fields["response_logprobs"]).Item).ClrType);
        }
        IList<Hosting.TokenSampleRow> rows;
        await using (var stream = File.OpenRead(file)) rows = await Hosting.TokenParquet.ReadAsync(stream);
        var lines = await ExportAsync(data, "pq");
        Assert.Equal(lines.Count, rows.Count);
        foreach (var (line, row) in lines.Zip(rows))
        {
            Assert.Equal((string)line["session_id"]!, row.SessionId);
            Assert.Equal(Ints(line["prompt_ids"]), row.PromptIds);
            Assert.Equal(Ints(line["response_ids"]), row.ResponseIds);
            Assert.Equal(Ints(line["response_mask"]), row.ResponseMask);
            Assert.Equal(Floats(line["response_logprobs"]), row.ResponseLogprobs);
            Assert.Equal(Ints(line["policy_versions"]), row.PolicyVersions);
            Assert.Equal((int?)line["drift"], row.Drift);
            Assert.Equal(line["metadata"]!.ToJsonString(), row.Metadata);
        }
    }

    [Fact]
    public async Task AnEndpointThatGivesNoTokens_IsNamedOnce_AndEveryTurnAndSampleSaysUnavailable()
    {
        var (tasks, data) = await FleetFiles(tasks: 2);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script()));

        // The Responses API reports no token ids.
        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--api", "responses", "--fleet-id", "none",
            "--data-dir", data, "--tokens", "capture", "--sandbox", "none"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var warning = $"warning: {server.BaseUrl} (model gpt-4o) answered without token ids";
        Assert.Single(run.Stderr.Split('\n'), l => l.StartsWith(warning, StringComparison.Ordinal));
        var lines = await ExportAsync(data, "none");
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l =>
        {
            Assert.Equal("unavailable", (string?)l["tokens"]);
            Assert.Empty(Ints(l["prompt_ids"]));
            Assert.Equal([1, 2, 3, 4], Ints(l["unavailable_turns"]));
        });
        var trace = await Cli.RunAsync(["trace", "none:t0:0", "--data-dir", data]);
        Assert.Equal(4, trace.Stdout.Split('\n').Count(l => l.Contains("\"tokens\":\"unavailable\"", StringComparison.Ordinal)));
    }

    /// <summary>HOCON that asks every provider for whole answers instead of server-sent events.</summary>
    private static async Task<string> NotStreamedConfig()
    {
        var file = Path.Combine(Cli.NewTempDir(), "not-streamed.conf");
        await File.WriteAllTextAsync(file, "actor-rollouts.provider.stream = off");
        return file;
    }

    [Theory]
    [InlineData("capture")]
    [InlineData("exact")]
    public async Task NotStreamed_TheSamplesStillEqualWhatTheServerSawAndGenerated(string mode)
    {
        var (tasks, data) = await FleetFiles(tasks: 2);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script()));

        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--fleet-id", "whole", "--data-dir", data,
            "--tokens", mode, "--sandbox", "none", "--config", await NotStreamedConfig()]);

        Assert.True(run.ExitCode == 0, run.ToString());
        var generating = server.Requests.Where(r => r.Tokens is not null).ToList();
        Assert.Equal(8, generating.Count);
        Assert.All(generating, r => Assert.False((bool)JsonNode.Parse(r.Body)!["stream"]!));
        foreach (var line in await ExportAsync(data, "whole"))
        {
            var turns = server.Requests.Where(r => r.StatusCode == 200 && r.Tokens is not null
                                                   && FakeTokenizer.Decode(r.Tokens.PromptIds).Contains($"task {((string)line["task_id"]!)[1..]}: what", StringComparison.Ordinal))
                .OrderBy(r => r.ReceivedAt).Select(r => r.Tokens!).ToList();
            var (prompt, response, mask, logprobs) = Expected(turns);
            Assert.Equal(prompt, Ints(line["prompt_ids"]));
            Assert.Equal(response, Ints(line["response_ids"]));
            Assert.Equal(mask, Ints(line["response_mask"]));
            Assert.Equal(logprobs, Floats(line["response_logprobs"]));
            Assert.Equal([1, 2, 3, 4], Ints(line["turns"]));
        }
    }

    [Fact]
    public async Task NotStreamed_TheResponsesApi_RunsTheSameSessions()
    {
        var (tasks, data) = await FleetFiles(tasks: 1);
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script()));

        var run = await Cli.RunAsync(["run", tasks, "--base-url", server.BaseUrl.ToString(), "--api", "responses", "--fleet-id", "resp", "--data-dir", data,
            "--sandbox", "none", "--config", await NotStreamedConfig()]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(4, server.Requests.Count(r => r.Path == "/v1/responses" && r.StatusCode == 200 && !(bool)JsonNode.Parse(r.Body)!["stream"]!));
        var trace = (await Cli.RunAsync(["trace", "resp:t0:0", "--data-dir", data])).Stdout;
        Assert.Contains("\"role\":\"tool\",\"content\":\"     1\\thello\\n\"", trace);
        Assert.Contains("\"content\":\"It says hello.\"", trace);
    }
}
