using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ActorRollouts.FakeLlm.Tests;

public class FakeLlmServerTests
{
    private const string Script = """
        { "scenarios": [
            { "match": "weather", "turns": [
                { "content": "Let me check the weather for you now.", "tool_calls": [ { "name": "get_weather", "arguments": { "city": "Paris" } },
                                                                                     { "name": "get_time", "arguments_raw": "{\"tz\": broken" } ] },
                { "content": "It is sunny." } ] },
            { "turns": [ { "content": "catch-all" } ] } ] }
        """;

    private static readonly HttpClient Http = new();

    private static async Task<HttpResponseMessage> Post(FakeLlmServer server, string body, string? key = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"{server.BaseUrl}/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (key is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await Http.SendAsync(request);
    }

    private static string Body(string user, bool stream, int assistants = 0, bool usage = true)
    {
        var messages = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = user });
        for (var i = 0; i < assistants; i++) messages.Add(new JsonObject { ["role"] = "assistant", ["content"] = "x" });
        var body = new JsonObject { ["model"] = "gpt-4o", ["messages"] = messages, ["stream"] = stream };
        if (usage) body["stream_options"] = new JsonObject { ["include_usage"] = true };
        return body.ToJsonString();
    }

    /// <summary>The JSON of every <c>data:</c> line, and whether the stream ended with [DONE].</summary>
    private static (List<JsonNode> Chunks, bool Done) Events(string sse)
    {
        var data = sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(e => e.Trim()).ToList();
        Assert.All(data, e => Assert.StartsWith("data: ", e));
        var done = data[^1] == "data: [DONE]";
        return (data.Where(e => e != "data: [DONE]").Select(e => JsonNode.Parse(e["data: ".Length..])!).ToList(), done);
    }

    [Fact]
    public async Task Stream_TextTurn_SendsRoleFirstThenFragmentsFinishAndUsage()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));

        var response = await Post(server, Body("weather?", stream: true, assistants: 1));
        var (chunks, done) = Events(await response.Content.ReadAsStringAsync());

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.True(done);
        Assert.Equal("assistant", (string?)chunks[0]["choices"]![0]!["delta"]!["role"]);
        var text = string.Concat(chunks.SelectMany(c => c["choices"]!.AsArray()).Select(c => (string?)c!["delta"]!["content"] ?? ""));
        Assert.Equal("It is sunny.", text);
        Assert.Equal("stop", (string?)chunks[^2]["choices"]![0]!["finish_reason"]);
        Assert.Empty(chunks[^1]["choices"]!.AsArray());
        Assert.True((int)chunks[^1]["usage"]!["prompt_tokens"]! > 0);
        Assert.All(chunks.SkipLast(1), c => Assert.True(c.AsObject().ContainsKey("usage") && c["usage"] is null));
    }

    [Fact]
    public async Task Stream_ToolCallTurn_SendsIdAndNameOnlyInFirstDeltaAndArgumentsInFragments()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));

        var (chunks, _) = Events(await (await Post(server, Body("what is the weather", stream: true))).Content.ReadAsStringAsync());

        var calls = chunks.SelectMany(c => c["choices"]!.AsArray()).SelectMany(c => c!["delta"]!["tool_calls"]?.AsArray() ?? []).ToList();
        foreach (var index in new[] { 0, 1 })
        {
            var deltas = calls.Where(d => (int)d!["index"]! == index).ToList();
            Assert.NotNull(deltas[0]!["id"]);
            Assert.Equal("function", (string?)deltas[0]!["type"]);
            Assert.Equal("", (string?)deltas[0]!["function"]!["arguments"]);
            Assert.All(deltas.Skip(1), d => Assert.Null(d!["id"]));
            Assert.All(deltas.Skip(1), d => Assert.Null(d!["function"]!["name"]));
            Assert.True(deltas.Count >= 3, "arguments arrive in several fragments");
        }
        string Arguments(int i) => string.Concat(calls.Where(d => (int)d!["index"]! == i).Select(d => (string?)d!["function"]!["arguments"]));
        Assert.Equal("""{"city":"Paris"}""", Arguments(0));
        Assert.Equal("""{"tz": broken""", Arguments(1));
        Assert.Equal("tool_calls", (string?)chunks[^2]["choices"]![0]!["finish_reason"]);
    }

    [Fact]
    public async Task Stream_LongArguments_ComeInSmallPieces_NeverSplittingACharacter()
    {
        var content = string.Concat(Enumerable.Range(0, 9_000).Select(i => $"{i} 😀 é\n"));
        var script = new JsonObject
        {
            ["scenarios"] = new JsonArray(new JsonObject { ["turns"] = new JsonArray(new JsonObject
            {
                ["tool_calls"] = new JsonArray(new JsonObject { ["name"] = "write_file", ["arguments"] = new JsonObject { ["path"] = "a", ["content"] = content } }),
            }) }),
        };
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(script.ToJsonString()));

        var (chunks, _) = Events(await (await Post(server, Body("write", stream: true))).Content.ReadAsStringAsync());

        var pieces = chunks.SelectMany(c => c["choices"]!.AsArray()).SelectMany(c => c!["delta"]!["tool_calls"]?.AsArray() ?? [])
            .Select(d => (string)d!["function"]!["arguments"]!).Skip(1).ToList();
        Assert.Equal(content, (string?)JsonNode.Parse(string.Concat(pieces))!["content"]);
        Assert.True(pieces.Count > 5, $"{pieces.Count} pieces");
        Assert.All(pieces, p => Assert.InRange(p.Length, 1, 16 * 1024));
        Assert.All(pieces, p => Assert.False(char.IsHighSurrogate(p[^1]) || char.IsLowSurrogate(p[0]), "a piece ends inside a character"));
    }

    [Fact]
    public async Task NonStreaming_ToolCallTurn_IsAChatCompletionObject()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));

        var json = JsonNode.Parse(await (await Post(server, Body("weather", stream: false))).Content.ReadAsStringAsync())!;

        Assert.Equal("chat.completion", (string?)json["object"]);
        var message = json["choices"]![0]!["message"]!;
        Assert.Equal("Let me check the weather for you now.", (string?)message["content"]);
        Assert.Equal(["get_weather", "get_time"], message["tool_calls"]!.AsArray().Select(c => (string?)c!["function"]!["name"]));
        Assert.Equal("tool_calls", (string?)json["choices"]![0]!["finish_reason"]);
        Assert.True((int)json["usage"]!["completion_tokens"]! > 0);
    }

    [Fact]
    public async Task Turn_IsTheNumberOfAssistantMessages_AndMissingTurnsSaySo()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));

        var third = JsonNode.Parse(await (await Post(server, Body("weather", stream: false, assistants: 2))).Content.ReadAsStringAsync())!;

        Assert.Contains("has no turn 3", (string?)third["choices"]![0]!["message"]!["content"]);
    }

    [Fact]
    public async Task Scenario_FirstMatchWins_ElseCatchAll()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));

        var other = JsonNode.Parse(await (await Post(server, Body("hello there", stream: false))).Content.ReadAsStringAsync())!;

        Assert.Equal("catch-all", (string?)other["choices"]![0]!["message"]!["content"]);
    }

    [Fact]
    public async Task NoScenarioMatches_Is400InOpenAiErrorShape()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""{"scenarios":[{"match":"only this","turns":[{"content":"x"}]}]}"""));

        var response = await Post(server, Body("something else", stream: true));
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]!;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("no scenario matches", (string?)error["message"]);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.True(error.AsObject().ContainsKey("param") && error.AsObject().ContainsKey("code"));
    }

    [Fact]
    public async Task Requests_AreRecordedWithBodyAuthorizationStatusAndUsage()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        var body = Body("weather", stream: true);

        await (await Post(server, body, key: "test-key")).Content.ReadAsStringAsync();

        var recorded = Assert.Single(server.Requests);
        Assert.Equal(("POST", "/v1/chat/completions", body, "Bearer test-key", 200), (recorded.Method, recorded.Path, recorded.Body, recorded.Authorization, recorded.StatusCode));
        Assert.NotNull(recorded.ReportedUsage);
    }

    [Fact]
    public async Task Requests_NotKept_AreCountedAndStillAnswered()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script), keepRequests: false);

        var first = await (await Post(server, Body("weather", stream: false))).Content.ReadAsStringAsync();
        await (await Post(server, Body("weather", stream: true))).Content.ReadAsStringAsync();

        Assert.Contains("chat.completion", first);
        Assert.Equal(2, server.RequestCount);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task DelayedRequests_InFlightHighWaterMarkCountsThemAll()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""{"scenarios":[{"delay_ms":400,"turns":[{"content":"slow"}]}]}"""));

        await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ => await (await Post(server, Body("x", stream: false))).Content.ReadAsStringAsync()));

        Assert.Equal(6, server.MaxInFlight);
        Assert.Equal(0, server.InFlight);
    }

    [Fact]
    public async Task WhenRequestsReach_CompletesOnTheNthArrivalWhileItIsStillInFlight()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""{"scenarios":[{"delay_ms":30000,"turns":[{"content":"slow"}]}]}"""));
        using var abandon = new CancellationTokenSource();
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var second = server.WhenRequestsReach(2, bounded.Token);

        var first = Http.PostAsync($"{server.BaseUrl}/chat/completions", new StringContent(Body("x", stream: false), Encoding.UTF8, "application/json"), abandon.Token);
        await server.WhenRequestsReach(1, bounded.Token);
        Assert.False(second.IsCompleted); // one arrival is not two
        var other = Http.PostAsync($"{server.BaseUrl}/chat/completions", new StringContent(Body("y", stream: false), Encoding.UTF8, "application/json"), abandon.Token);
        await second;

        Assert.Equal(2, server.InFlight); // completed on arrival: neither request has been answered
        Assert.All(server.Requests, r => Assert.Equal(0, r.StatusCode));
        Assert.True(server.WhenRequestsReach(2, CancellationToken.None).IsCompletedSuccessfully); // already reached: complete at once
        await abandon.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(first, other));
    }

    [Fact]
    public async Task WhenRequestsReach_NotReached_IsCancelledByItsToken()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        using var cancel = new CancellationTokenSource();
        var waiting = server.WhenRequestsReach(2, cancel.Token);

        await (await Post(server, Body("weather", stream: false))).Content.ReadAsStringAsync();
        Assert.False(waiting.IsCompleted);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }

    [Fact]
    public async Task WhenRequest_MatchesOnTheScriptedTurnBeforeTheDelayedAnswer_AndFindsEarlierRequests()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""
            {"scenarios":[{"turns":[{"content":"fast"},{"content":"slow","delay_ms":30000}]}]}
            """));
        using var abandon = new CancellationTokenSource();
        using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var secondTurn = server.WhenRequest(r => r.Turn == 1, bounded.Token);

        await (await Post(server, Body("x", stream: false))).Content.ReadAsStringAsync(); // turn 0: no match
        Assert.False(secondTurn.IsCompleted);
        var slow = Http.PostAsync($"{server.BaseUrl}/chat/completions", new StringContent(Body("x", stream: false, assistants: 1), Encoding.UTF8, "application/json"), abandon.Token);
        var matched = await secondTurn;

        Assert.Equal((1, 0), (matched.Turn, matched.StatusCode)); // seen while its answer is still delayed
        Assert.Equal(1, server.InFlight);
        var answered = await server.WhenRequest(r => r.Turn == 0, bounded.Token); // an earlier request matches at once
        Assert.Equal(200, answered.StatusCode);
        await abandon.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);
    }

    [Fact]
    public async Task Fault_HttpStatusServedForItsFirstTimesThenTheAnswer()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse("""
            {"scenarios":[{"turns":[{"content":"finally","fault":{"status":429,"headers":{"retry-after":"2"},"times":2}}]}]}
            """));

        var first = await Post(server, Body("x", stream: false));
        var second = await Post(server, Body("x", stream: false));
        var third = await Post(server, Body("x", stream: false));

        Assert.Equal([HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.OK], [first.StatusCode, second.StatusCode, third.StatusCode]);
        Assert.Equal("2", first.Headers.GetValues("retry-after").Single());
    }

    [Fact]
    public async Task UnknownPath_Is404InOpenAiErrorShape()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));

        var response = await Http.GetAsync($"{server.BaseUrl}/models/nope");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())!["error"]);
    }

    [Fact]
    public async Task ContextWindow_APromptOverIt_GetsOpenAisContextLengthExceeded_OneUnderItIsAnswered()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(
            """{ "scenarios": [ { "context_window": 60, "turns": [ { "content": "a" }, { "content": "b" } ] } ] }"""));
        var small = Body("hi", stream: false, usage: false);
        var large = Body("hi " + new string('x', 400), stream: false, usage: false);

        var answered = await Post(server, small);
        var refused = await Post(server, large);

        Assert.True(small.Length / 4 <= 60 && large.Length / 4 > 60);
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var error = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal(("context_length_exceeded", "messages", "invalid_request_error"), ((string?)error["code"], (string?)error["param"], (string?)error["type"]));
        Assert.StartsWith("This model's maximum context length is 60 tokens. However, your messages resulted in", (string?)error["message"]);
    }
}
