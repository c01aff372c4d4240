using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>Real recorded Chat Completions streams, served byte for byte over HTTP, parse through the official SDK into
/// the assistant message, tool calls, finish reason and usage the recording holds.</summary>
public class ChatContractTests
{
    private static async Task<(ModelResponse Response, List<ModelDelta> Deltas)> Play(string fixture)
    {
        await using var server = await ReplayServer.StartAsync(new Replay(Fixtures.Text(fixture)));
        var deltas = new List<ModelDelta>();
        var response = await Fixtures.Client().CompleteAsync(Fixtures.Request(server.BaseUrl), deltas.Add, CancellationToken.None);
        return (response, deltas);
    }

    [Fact]
    public async Task Stream_ParallelToolCalls_AssemblesByIndex()
    {
        var (r, deltas) = await Play("openai-python/chat_stream__test_parse_multiple_pydantic_tools_PARALLEL__f82268f2fefd.sse");

        Assert.Null(r.Assistant.Content);
        Assert.Equal(
            [
                new ToolCall("call_JMW1whyEaYG438VE1OIflxA2", "GetWeatherArgs", """{"city": "Edinburgh", "country": "GB", "units": "c"}"""),
                new ToolCall("call_DNYTawLBoN8fj3KN6qU9N1Ou", "get_stock_price", """{"ticker": "AAPL", "exchange": "NASDAQ"}"""),
            ],
            r.Assistant.ToolCalls!);
        Assert.Equal(("tool_calls", "chatcmpl-ABfwAwrNePHUgBBezonVC6MX3zd63"), (r.FinishReason, r.ResponseId));
        Assert.Equal(new Usage(149, 60, 0, 0), r.Usage);
        Assert.Equal(r.Assistant.ToolCalls![0].Arguments.ToString() + r.Assistant.ToolCalls[1].Arguments,
            string.Concat(deltas.Where(d => d.Kind == ModelDelta.ToolArgumentsKind).Select(d => d.Text)));
    }

    [Fact]
    public async Task Stream_SingleToolCall_HasIdAndNameFromFirstDelta()
    {
        var (r, _) = await Play("openai-python/chat_stream__test_parse_pydantic_tool__c6aa7e397b71.sse");

        Assert.Equal(new ToolCall("call_c91SqDXlYFuETYv8mUHzz6pp", "GetWeatherArgs", """{"city":"Edinburgh","country":"UK","units":"c"}"""),
            Assert.Single(r.Assistant.ToolCalls!));
        Assert.Equal(new Usage(76, 24), r.Usage);
    }

    [Fact]
    public async Task Stream_PlainText_ConcatenatesFragmentsAndReportsThem()
    {
        var (r, deltas) = await Play("openai-python/chat_stream__test_parse_nothing__e2aad469b71d.sse");

        const string expected = "I'm unable to provide real-time weather updates. To get the current weather in San Francisco, I recommend checking a reliable weather website or a weather app.";
        Assert.Equal(expected, r.Assistant.Content);
        Assert.False(r.Assistant.HasToolCalls);
        Assert.Equal(("stop", new Usage(14, 30)), (r.FinishReason, r.Usage));
        Assert.True(deltas.Count > 5);
        Assert.Equal(expected, string.Concat(deltas.Select(d => d.Text)));
    }

    [Fact]
    public async Task Stream_MaxTokensReached_FinishesWithLength()
    {
        var (r, _) = await Play("openai-python/chat_stream__test_parse_max_tokens_reached__4cc50a6135d2.sse");

        Assert.Equal(("length", "{\"", new Usage(79, 1)), (r.FinishReason, r.Assistant.Content, r.Usage));
    }

    [Fact]
    public async Task Chat_RecordedRefusalStream_ParsesRefusalTextAndReportsItsFragmentsAsTheyArrive()
    {
        var (r, deltas) = await Play("openai-python/chat_stream__test_parse_pydantic_model_refusal__173417d55340.sse");

        Assert.Equal("I'm sorry, I can't assist with that request.", r.Assistant.Content);
        Assert.Equal("stop", r.FinishReason);
        // The recording streams it as delta.refusal fragments: "I'm", " sorry", ",", … "." (plus an empty first one).
        Assert.Equal(["I'm", " sorry", ",", " I", " can't", " assist", " with", " that", " request", "."], deltas.Select(d => d.Text));
        Assert.All(deltas, d => Assert.Equal(ModelDelta.TextKind, d.Kind));
    }

    [Fact]
    public async Task Stream_WithUsageDetails_ReadsCachedAndReasoningTokens()
    {
        var (r, _) = await Play("dotnet-extensions/chat__BasicRequestResponse_Streaming.response.sse");

        Assert.Equal("Hello! How can I assist you today?", r.Assistant.Content);
        Assert.Equal(new Usage(InputTokens: 8, OutputTokens: 9, ReasoningTokens: 90, CachedTokens: 5), r.Usage);
    }

    [Fact]
    public async Task Stream_ToolCallWithUsageNullOnEveryChunk_AssemblesCall()
    {
        var (r, _) = await Play("dotnet-extensions/chat__FunctionCallContent_Streaming.response.sse");

        Assert.Equal(new ToolCall("call_F9ZaqPWo69u0urxAhVt8meDW", "GetPersonAge", """{"personName":"Alice"}"""), Assert.Single(r.Assistant.ToolCalls!));
        Assert.Equal(("tool_calls", new Usage(61, 16, 90, 0)), (r.FinishReason, r.Usage));
    }

    [Fact]
    public async Task Http401_Recorded_IsNotRetryableAndReadableWithoutTheKey()
    {
        var entry = Fixtures.Json("openai-dotnet/ChatTests/AuthFailure.json").GetProperty("Entries")[0];
        await using var server = await ReplayServer.StartAsync(new Replay(entry.GetProperty("ResponseBody").GetRawText(),
            entry.GetProperty("StatusCode").GetInt32(), "application/json"));

        var error = await Assert.ThrowsAsync<ModelCallException>(() =>
            Fixtures.Client().CompleteAsync(Fixtures.Request(server.BaseUrl), null, CancellationToken.None));

        Assert.Equal((ModelErrorKinds.Http, 401, false), (error.Kind, error.HttpStatus, error.Retryable));
        Assert.Contains("Incorrect API key provided", error.Message);
        Assert.Contains("(invalid_api_key)", error.Message);
        Assert.Contains("/chat/completions", error.Message);
    }
}
