using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>Tool call arguments far larger than a stream delta (a model writing a whole file) arrive in many deltas and go
/// back in the next request exactly as the model sent them, through the SDK, without becoming a string on our side.</summary>
public class LargeArgumentsTests
{
    /// <summary>About 200 KB of JSON whose <c>content</c> has everything escaping touches: quotes, backslashes, newlines,
    /// tabs, control characters, non-ASCII, a character outside the BMP and the separators some encoders escape.</summary>
    private static string LargeArguments()
    {
        var content = new StringBuilder();
        for (var i = 0; content.Length < 200_000; i++)
            content.Append(CultureInfo.InvariantCulture, $"line {i}: \"quoted\" \\path\\ \ttab é ü 😀 \u2028 </script> \u0001\n");
        return JsonSerializer.Serialize(new { path = "big.txt", content = content.ToString() });
    }

    [Fact]
    public async Task Request_LargeArguments_AreSentExactlyAsTheModelWroteThem_BesideSmallOnes()
    {
        var large = LargeArguments();
        Assert.True(Encoding.UTF8.GetByteCount(large) > ChatConversions.LargeArguments);
        await using var server = await ReplayServer.StartAsync(new Replay(ChatRequestTests.Done));
        var small = new ToolCall("call_1", "read_file", """{"path":"a.txt"}""");
        var big = new ToolCall("call_2", "write_file", large);
        var request = Fixtures.Request(server.BaseUrl, messages:
        [
            Message.User("go"), Message.Assistant("writing", [small, big]),
            Message.ToolMessage(ToolResult.Success(small, "a")), Message.ToolMessage(ToolResult.Success(big, "written")),
        ]);

        await Fixtures.Client().CompleteAsync(request, null, CancellationToken.None);

        using var sent = JsonDocument.Parse(Assert.Single(server.Received).Body);
        var calls = sent.RootElement.GetProperty("messages")[1].GetProperty("tool_calls").EnumerateArray()
            .Select(c => (c.GetProperty("id").GetString(), c.GetProperty("type").GetString(),
                c.GetProperty("function").GetProperty("name").GetString(), c.GetProperty("function").GetProperty("arguments").GetString()))
            .ToList();
        Assert.Equal([("call_1", "function", "read_file", """{"path":"a.txt"}"""), ("call_2", "function", "write_file", large)], calls);
        Assert.Equal("writing", sent.RootElement.GetProperty("messages")[1].GetProperty("content").GetString());
    }

    [Fact]
    public async Task Stream_LargeArgumentsInManyDeltas_AssembleToTheExactBytes()
    {
        var large = LargeArguments();
        var pieces = Pieces(large, 1000).ToList();
        var body = new StringBuilder(Chunk("""{"index":0,"id":"call_9","type":"function","function":{"name":"write_file","arguments":""}}"""));
        foreach (var piece in pieces)
            body.Append(Chunk($$$"""{"index":0,"function":{"arguments":{{{JsonSerializer.Serialize(piece)}}}}}"""));
        body.Append("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\ndata: [DONE]\n\n");
        await using var server = await ReplayServer.StartAsync(new Replay(body.ToString()));
        var deltas = new List<ModelDelta>();

        var response = await Fixtures.Client().CompleteAsync(Fixtures.Request(server.BaseUrl), deltas.Add, CancellationToken.None);

        var call = Assert.Single(response.Assistant.ToolCalls!);
        Assert.Equal(("call_9", "write_file"), (call.Id, call.Name));
        Assert.True(Encoding.UTF8.GetBytes(large).AsSpan().SequenceEqual(call.Arguments.Utf8.Span));
        Assert.Equal(pieces, deltas.Where(d => d.Kind == ModelDelta.ToolArgumentsKind).Select(d => d.Text));
    }

    private static string Chunk(string toolCallDelta) =>
        $$$"""data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{{{toolCallDelta}}}]},"finish_reason":null}]}""" + "\n\n";

    /// <summary>Pieces of about <paramref name="size"/> characters, never between the two halves of a surrogate pair.</summary>
    private static IEnumerable<string> Pieces(string text, int size)
    {
        for (var start = 0; start < text.Length;)
        {
            var end = Math.Min(text.Length, start + size);
            if (end < text.Length && char.IsLowSurrogate(text[end])) end++;
            yield return text[start..end];
            start = end;
        }
    }

    private static ChatCompletionsClient Client(int largeArguments) =>
        new(new OpenAiClients(new ProviderSettings(TimeSpan.FromSeconds(20))), largeArguments);

    /// <summary>The same request sent the SDK's typed way and ours, twice: with our own writing of assistant turns for large
    /// arguments (every call counted large) and without. The bodies are the same JSON, and so are the answers read back.
    /// Every role, content beside calls, tools, sampling and extra body fields.</summary>
    [Theory]
    [InlineData(-1)]
    [InlineData(int.MaxValue)]
    public async Task RequestBody_IsWhatTheSdksTypedCallSends_ForTheSameRequest(int largeArguments)
    {
        await using var server = await ReplayServer.StartAsync(new Replay(Fixtures.Text("openai-python/chat_stream__test_parse_multiple_pydantic_tools_PARALLEL__f82268f2fefd.sse")));
        var read = new ToolCall("call_1", "read_file", """{"path":"a.txt"}""");
        var write = new ToolCall("call_2", "write_file", """{"path":"b.txt","content":"é \" \n"}""");
        var schema = JsonDocument.Parse("""
            {"type":"object","properties":{
              "path":{"type":"string","description":"Relative <path> & 'name'"}},
             "required":["path"]}
            """).RootElement; // as our tools declare theirs: with whitespace, and characters an encoder may escape
        var request = Fixtures.Request(server.BaseUrl, messages:
        [
            Message.System("be brief"), Message.User("go"), Message.Assistant("reading and writing", [read, write]),
            Message.ToolMessage(ToolResult.Success(read, "a")), Message.ToolMessage(ToolResult.Failure(write, ErrorCodes.Validation, "no")),
            Message.Assistant(null, [read]), Message.ToolMessage(ToolResult.Success(read, "a")), Message.Assistant("done"), Message.User("again"),
        ]) with
        {
            Tools = [new ToolSpec("read_file", "Reads a file <with> 'quotes' & more", schema), new ToolSpec("write_file", "writes é", schema)],
        };
        request = request with
        {
            Endpoint = request.Endpoint with
            {
                Temperature = 0.3, MaxOutputTokens = 123,
                ExtraBody = new Dictionary<string, JsonElement>
                {
                    ["top_k"] = JsonDocument.Parse("5").RootElement,
                    ["chat_template_kwargs"] = JsonDocument.Parse("""{"enable_thinking":false}""").RootElement,
                }.ToImmutableSortedDictionary(),
            },
        };

        var typed = await TypedSdkCall.CompleteAsync(request);
        var ours = await Client(largeArguments).CompleteAsync(request, null, CancellationToken.None);

        var bodies = server.Received.Select(r => r.Body).ToList();
        Assert.Equal(2, bodies.Count);
        Assert.Equal(bodies[0], bodies[1]);
        Assert.Equal(JsonSerializer.Serialize(typed with { LatencyMs = 0 }, Core.Json.RolloutJson.Options),
            JsonSerializer.Serialize(ours with { LatencyMs = 0 }, Core.Json.RolloutJson.Options));
    }

    /// <summary>An error or a cut stream is the same <see cref="ModelCallException"/> as through the SDK's typed call.</summary>
    [Theory]
    [InlineData(500, null)]
    [InlineData(401, null)]
    [InlineData(429, null)]
    [InlineData(200, 300)]
    public async Task Failures_AreWhatTheSdksTypedCallMakesOfThem(int status, int? cutAfterBytes)
    {
        var body = status == 200
            ? Fixtures.Text("openai-python/chat_stream__test_parse_multiple_pydantic_tools_PARALLEL__f82268f2fefd.sse")
            : JsonSerializer.Serialize(new { error = new { message = $"failed with {status}", type = "server_error", param = (string?)null, code = (string?)null } });
        await using var server = await ReplayServer.StartAsync(new Replay(body, status, status == 200 ? "text/event-stream" : "application/json", CutAfterBytes: cutAfterBytes));
        var call = new ToolCall("call_1", "read_file", """{"path":"a.txt"}""");
        var request = Fixtures.Request(server.BaseUrl, messages: [Message.User("go"), Message.Assistant(null, [call]), Message.ToolMessage(ToolResult.Success(call, "a"))]);

        var typed = await Assert.ThrowsAsync<ModelCallException>(() => TypedSdkCall.CompleteAsync(request));
        var ours = await Assert.ThrowsAsync<ModelCallException>(() => Client(-1).CompleteAsync(request, null, CancellationToken.None));

        Assert.Equal((typed.Kind, typed.HttpStatus, typed.Retryable, typed.Message, typed.RetryAfter), (ours.Kind, ours.HttpStatus, ours.Retryable, ours.Message, ours.RetryAfter));
    }
}
