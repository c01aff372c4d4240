using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>What the recorded streams do not show: fields in another order, escaped fragments, a call that is not the
/// first, usage in a chunk of its own; and chunks that are not what a chunk must be.</summary>
public class ChatChunkReaderTests
{
    private static string Sse(params string[] chunks) => string.Concat(chunks.Select(c => $"data: {c}\n\n")) + "data: [DONE]\n\n";

    [Fact]
    public async Task FieldsInAnyOrder_EscapedFragments_ReadAsTheSdkReadsThem()
    {
        var body = Sse(
            """{"choices":[{"delta":{"role":"assistant","tool_calls":[{"function":{"arguments":"{\"path\":\"caf\u00e9","name":"write_file"},"type":"function","id":"call_b","index":1}]},"finish_reason":null,"index":0}],"id":"chatcmpl-x"}""",
            """{"id":"chatcmpl-x","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"\/\ud83d\ude00.txt\",\"content\":\"a\\nb\"}"}}]},"finish_reason":null}]}""",
            """{"id":"chatcmpl-x","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}""",
            """{"id":"chatcmpl-x","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":2},"completion_tokens_details":{"reasoning_tokens":3}}}""");
        await using var server = await ReplayServer.StartAsync(new Replay(body));

        var ours = await Fixtures.Client().CompleteAsync(Fixtures.Request(server.BaseUrl), null, CancellationToken.None);
        var sdks = await TypedSdkCall.CompleteAsync(Fixtures.Request(server.BaseUrl));

        var call = Assert.Single(ours.Assistant.ToolCalls!);
        Assert.Equal(new ToolCall("call_b", "write_file", "{\"path\":\"café/😀.txt\",\"content\":\"a\\nb\"}"), call);
        Assert.Equal(("chatcmpl-x", "tool_calls", new Usage(5, 7, ReasoningTokens: 3, CachedTokens: 2)), (ours.ResponseId, ours.FinishReason, ours.Usage));
        Assert.Equal(sdks.Assistant.ToolCalls, ours.Assistant.ToolCalls);
        Assert.Equal((sdks.ResponseId, sdks.FinishReason, sdks.Usage), (ours.ResponseId, ours.FinishReason, ours.Usage));
    }

    [Theory]
    [InlineData("""{"id":"chatcmpl-x","choices":[{"index":0,"delta":{"content":"hel""")]
    [InlineData("\"hello\"")]
    [InlineData("[1,2]")]
    public async Task ABrokenChunk_IsARetryableProtocolErrorSayingSo(string chunk)
    {
        await using var server = await ReplayServer.StartAsync(new Replay(Sse(chunk)));

        var error = await Assert.ThrowsAsync<ModelCallException>(() =>
            Fixtures.Client().CompleteAsync(Fixtures.Request(server.BaseUrl), null, CancellationToken.None));

        Assert.Equal((ModelErrorKinds.Protocol, true), (error.Kind, error.Retryable));
        Assert.Contains("a malformed event in the response stream", error.Message);
    }
}
