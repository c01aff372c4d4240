using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>Real recorded Responses API streams, served over HTTP, parse through the official SDK into the assistant
/// message, its tool calls, reasoning and usage; recorded in-stream failures become the right errors.</summary>
public class ResponsesContractTests
{
    private static ModelRequest Request(Uri baseUrl) =>
        Fixtures.Request(baseUrl) with { Endpoint = new Endpoint(baseUrl.ToString(), "gpt-5", "responses", "AR_PROVIDER_TEST_NO_KEY") };

    private static async Task<(ModelResponse Response, List<ModelDelta> Deltas)> Play(string fixture)
    {
        await using var server = await ReplayServer.StartAsync(new Replay(Fixtures.ResponsesSse(fixture)));
        var deltas = new List<ModelDelta>();
        var response = await Fixtures.Responses().CompleteAsync(Request(server.BaseUrl), deltas.Add, CancellationToken.None);
        return (response, deltas);
    }

    private static async Task<ModelCallException> Fail(string body)
    {
        await using var server = await ReplayServer.StartAsync(new Replay(body));
        return await Assert.ThrowsAsync<ModelCallException>(() => Fixtures.Responses().CompleteAsync(Request(server.BaseUrl), null, CancellationToken.None));
    }

    private static List<JsonElement> Items(ModelResponse r) => r.Assistant.ResponseItems!.Select(j => JsonDocument.Parse(j).RootElement).ToList();

    [Fact]
    public async Task Stream_FunctionCall_AssemblesTheCallAndUsage()
    {
        var (r, deltas) = await Play("_derived_sse/openai-dotnet__ResponsesTests__FunctionCallStreamingWorks__entry0.sse");

        Assert.Equal(new ToolCall("call_0UFGPwrziw5rbinYp7rthrTb", "get_weather_at_location", """{"location":"San Francisco, CA"}"""), Assert.Single(r.Assistant.ToolCalls!));
        Assert.Equal(("tool_calls", "resp_0c25e60be926327b0069305eb9ac6c8195833249c070ef4e7e"), (r.FinishReason, r.ResponseId));
        Assert.Equal(new Usage(74, 20), r.Usage);
        Assert.Equal("""{"location":"San Francisco, CA"}""", string.Concat(deltas.Where(d => d.Kind == ModelDelta.ToolArgumentsKind).Select(d => d.Text)));
        Assert.All(deltas.Where(d => d.Kind == ModelDelta.ToolArgumentsKind), d => Assert.Equal("call_0UFGPwrziw5rbinYp7rthrTb", d.ToolCallId));
    }

    [Fact]
    public async Task Stream_Text_ConcatenatesDeltas()
    {
        var (r, deltas) = await Play("_derived_sse/openai-dotnet__ResponsesTests__StreamingResponses__entry0.sse");

        Assert.Equal("Hello! How can I assist you today?", r.Assistant.Content);
        Assert.Equal("Hello! How can I assist you today?", string.Concat(deltas.Select(d => d.Text)));
        Assert.Equal(("stop", new Usage(11, 10)), (r.FinishReason, r.Usage));
    }

    [Fact]
    public async Task Stream_ReasoningSummary_BecomesReasoningContentAndReasoningTokensCount()
    {
        var (r, deltas) = await Play("_derived_sse/openai-dotnet__ResponsesTests__StreamingResponsesWithReasoningSummary__entry0.sse");

        Assert.StartsWith("**Planning a New York itinerary**", r.Assistant.ReasoningContent);
        Assert.Contains("**Creating a 3-day NYC itinerary**", r.Assistant.ReasoningContent);
        Assert.StartsWith("New York City offers an incredible blend of art and food", r.Assistant.Content);
        Assert.Equal(new Usage(45, 3506, 2240, 0), r.Usage);
        Assert.Contains(deltas, d => d.Kind == ModelDelta.ReasoningKind);
    }

    [Fact]
    public async Task Stream_ReasoningItem_KeepsTheCompleteEncryptedContentFromOutputItemDone()
    {
        var (r, _) = await Play("_derived_sse/pydantic-ai__test_openai_responses_streaming_usage__interaction0.sse");

        var reasoning = Items(r).Single(i => i.GetProperty("type").GetString() == "reasoning");
        Assert.Equal(3896, reasoning.GetProperty("encrypted_content").GetString()!.Length); // output_item.added had an 824-char placeholder
        Assert.Equal(new ToolCall("call_CWXgs68YprAjp6t0371hiPOI", "final_result", """{"result":6666}"""), Assert.Single(r.Assistant.ToolCalls!));
        Assert.Equal(new Usage(53, 469, 448, 0), r.Usage);
    }

    [Fact]
    public async Task Stream_ReasoningThenTextThenCall_KeepsTheTextAndEveryItemInOrder()
    {
        var (r, _) = await Play("_derived_sse/pydantic-ai__test_openai_responses_phase_streamed_on_part_start__interaction0.sse");

        Assert.Equal("I’ll check the capital lookup tool for “PotatoLand.”", r.Assistant.Content);
        Assert.Equal("get_capital", Assert.Single(r.Assistant.ToolCalls!).Name);
        Assert.Equal(["reasoning", "message", "function_call"], Items(r).Select(i => i.GetProperty("type").GetString()));
        Assert.Equal(1080, Items(r)[0].GetProperty("encrypted_content").GetString()!.Length);
    }

    [Fact]
    public async Task InStreamError_NestedShapeThenResponseFailed_IsNotRetryableQuotaError()
    {
        var error = await Fail(Fixtures.ResponsesSse("vercel-ai/responses/openai-error.1.chunks.txt"));

        Assert.Equal((ModelErrorKinds.ApiError, false), (error.Kind, error.Retryable));
        Assert.Contains("insufficient_quota", error.Message);
    }

    public static TheoryData<string, bool, double?> CodexFailures() => new()
    {
        { "rate_limit_exceeded", true, 11.054 },
        { "context_length_exceeded", false, null },
        { "insufficient_quota", false, null },
    };

    [Theory]
    [MemberData(nameof(CodexFailures))]
    public async Task ResponseFailed_Recorded_IsClassifiedAndRateLimitsCarryTheirDelay(string code, bool retryable, double? retryAfterSeconds)
    {
        var events = Fixtures.Text("openai-codex/response_failed_events.sse").Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var failed = events.Single(e => e.Contains($"\"code\":\"{code}\"", StringComparison.Ordinal));

        var error = await Fail(failed + "\n\n");

        Assert.Equal((ModelErrorKinds.ApiError, retryable), (error.Kind, error.Retryable));
        Assert.Equal(retryAfterSeconds, error.RetryAfter?.TotalSeconds);
        Assert.Contains(code, error.Message);
    }

    [Fact]
    public async Task StreamWithoutTerminalEvent_IsStreamCut()
    {
        var body = Fixtures.Text("_derived_sse/openai-dotnet__ResponsesTests__StreamingResponses__entry0.sse");

        var error = await Fail(body[..body.IndexOf("event: response.completed", StringComparison.Ordinal)]);

        Assert.Equal((ModelErrorKinds.StreamCut, true), (error.Kind, error.Retryable));
    }
}
