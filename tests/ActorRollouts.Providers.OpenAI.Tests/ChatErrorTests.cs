using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>Failures come back as <see cref="ModelCallException"/>s that say what happened and whether a retry helps.</summary>
public class ChatErrorTests
{
    private static async Task<ModelCallException> Fail(Replay replay)
    {
        await using var server = await ReplayServer.StartAsync(replay);
        return await Assert.ThrowsAsync<ModelCallException>(() =>
            Fixtures.Client().CompleteAsync(Fixtures.Request(server.BaseUrl), null, CancellationToken.None));
    }

    [Fact]
    public async Task Http500_IsRetryableWithServerMessage()
    {
        var error = await Fail(new Replay("""{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}""", 500, "application/json"));

        Assert.Equal((ModelErrorKinds.Http, 500, true), (error.Kind, error.HttpStatus, error.Retryable));
        Assert.Contains("Sorry about that!", error.Message);
    }

    [Fact]
    public async Task Http429WithRetryAfter_CarriesTheDelay()
    {
        var error = await Fail(new Replay("""{"error":{"message":"Rate limit reached","type":"tokens","param":null,"code":"rate_limit_exceeded"}}""", 429,
            "application/json", new Dictionary<string, string> { ["retry-after"] = "2" }));

        Assert.Equal((429, true, TimeSpan.FromSeconds(2)), (error.HttpStatus, error.Retryable, error.RetryAfter));
    }

    [Theory]
    [InlineData("Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000, Used 29800, Requested 900. Please try again in 1.4s. Visit https://platform.openai.com/account/rate-limits.", 1400)]
    [InlineData("Rate limit reached for requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.", 20000)]
    [InlineData("Rate limit reached on tokens per min. Please try again in 350ms.", 350)]
    public async Task Http429WithoutHeaders_WaitsWhatTheBodySays(string message, int expectedMs)
    {
        var body = System.Text.Json.JsonSerializer.Serialize(new { error = new { message, type = "tokens", param = (string?)null, code = "rate_limit_exceeded" } });

        var error = await Fail(new Replay(body, 429, "application/json"));

        Assert.Equal((429, true, TimeSpan.FromMilliseconds(expectedMs)), (error.HttpStatus, error.Retryable, error.RetryAfter));
    }

    [Fact]
    public async Task Http429HeaderAndBodyDisagree_TheHeaderWins()
    {
        var error = await Fail(new Replay("""{"error":{"message":"Please try again in 9s.","type":"requests","param":null,"code":"rate_limit_exceeded"}}""", 429,
            "application/json", new Dictionary<string, string> { ["retry-after-ms"] = "1500" }));

        Assert.Equal(TimeSpan.FromMilliseconds(1500), error.RetryAfter);
    }

    [Fact]
    public async Task Http429InsufficientQuota_IsNotRetryable()
    {
        var error = await Fail(new Replay("""{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}""", 429, "application/json"));

        Assert.False(error.Retryable);
    }

    [Fact]
    public async Task StreamCutBeforeFinish_IsRetryableStreamCutNeverAPartialMessage()
    {
        var body = Fixtures.Text("openai-python/chat_stream__test_parse_nothing__e2aad469b71d.sse");

        var error = await Fail(new Replay(body, CutAfterBytes: body.Length / 2));

        Assert.Equal((ModelErrorKinds.StreamCut, true), (error.Kind, error.Retryable));
    }

    [Fact]
    public async Task StreamEndingWithoutFinishReason_IsStreamCut()
    {
        var body = Fixtures.Text("openai-python/chat_stream__test_parse_nothing__e2aad469b71d.sse");
        var truncated = body[..body.IndexOf("\"finish_reason\":\"stop\"", StringComparison.Ordinal)];
        truncated = truncated[..(truncated.LastIndexOf("\n\n", StringComparison.Ordinal) + 2)] + "data: [DONE]\n\n";

        var error = await Fail(new Replay(truncated));

        Assert.Equal(ModelErrorKinds.StreamCut, error.Kind);
    }

    [Fact]
    public async Task ConnectionRefused_IsRetryableConnectionErrorNamingTheUrl()
    {
        var error = await Assert.ThrowsAsync<ModelCallException>(() =>
            Fixtures.Client().CompleteAsync(Fixtures.Request(new Uri("http://127.0.0.1:1/v1")), null, CancellationToken.None));

        Assert.Equal((ModelErrorKinds.Connection, true), (error.Kind, error.Retryable));
        Assert.Contains("Connection refused", error.Message);
        Assert.Contains("127.0.0.1:1", error.Message);
    }

    [Theory]
    [InlineData(408, null, true)]
    [InlineData(409, null, true)]
    [InlineData(429, "rate_limit_exceeded", true)]
    [InlineData(500, null, true)]
    [InlineData(503, null, true)]
    [InlineData(400, null, false)]
    [InlineData(401, "invalid_api_key", false)]
    [InlineData(403, null, false)]
    [InlineData(404, null, false)]
    [InlineData(429, "insufficient_quota", false)]
    [InlineData(400, "context_length_exceeded", false)]
    [InlineData(500, "context_length_exceeded", false)]
    public void RetryClassifier_FollowsTheOpenAiRules(int status, string? code, bool retryable)
    {
        Assert.Equal(retryable, RetryClassifier.IsRetryable(status, code));
    }

    [Theory]
    [InlineData("1500", "9", 1500)]
    [InlineData(null, "2", 2000)]
    [InlineData(null, "0.25", 250)]
    [InlineData(null, "Tue, 24 Nov 2026 12:00:10 GMT", 10000)]
    public void RetryAfterParser_ReadsMillisecondsSecondsAndDates(string? ms, string? seconds, double expectedMs)
    {
        var now = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

        Assert.Equal(expectedMs, RetryAfterParser.Parse(ms, seconds, now)!.Value.TotalMilliseconds, precision: 3);
    }

    [Fact]
    public void RetryAfterParser_NothingUsable_IsNull()
    {
        Assert.Null(RetryAfterParser.Parse(null, "soon", DateTimeOffset.UtcNow));
    }
}
