using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>One recorded HTTP error answer and the failure it must become: <see cref="Message"/> is the API's own
/// message and <see cref="Tag"/> its <c>code</c> (or <c>type</c> when the code is null), both copied from the recording.</summary>
public sealed record HttpErrorCase(string Fixture, string Api, Replay Answer, int Status, bool Retryable, string Message, string Tag)
{
    public override string ToString() => Fixture;
}

/// <summary>Every recorded HTTP error body (see FIXTURES.md), served to the client of the API it came from, becomes a
/// <see cref="ModelCallException"/> of kind http with the status, whether a retry can help, and a message a user can
/// act on. The 401 is <see cref="ChatContractTests.Http401_Recorded_IsNotRetryableAndReadableWithoutTheKey"/>.</summary>
public class RecordedHttpErrorTests
{
    private const string Chat = "chat", Responses = "responses";

    public static TheoryData<HttpErrorCase> Errors() => new()
    {
        Dotnet("openai-dotnet/ChatTests/GetChatCompletionMessagesHandlesNonExistentCompletion.json", 0, Chat, 404,
            "Completion comp_nonexistent_12345 not found", "not_found"),
        // This 400 kept its x-ratelimit-* headers ("6ms", "0s"): they are no retry delay.
        Dotnet("openai-dotnet/ChatToolTests/StructuredOutputs(WithoutSchema,Strict,FailureExpected).json", 0, Chat, 400,
            "Invalid schema for function 'get_favorite_color_for_day_of_week': In context=(), 'additionalProperties' is required to be supplied and to be false.",
            "invalid_function_parameters"),
        Dotnet("openai-dotnet/ResponsesTests/CanDeleteResponse.json", 3, Responses, 404,
            "Response with id 'resp_012716c47e5818750068c9ef3acb74819590c9bfdd9025e969' not found.", "invalid_request_error"),
        Dotnet("openai-dotnet/ResponsesTests/CanOptOutOfStorage.json", 1, Responses, 404,
            "Response with id 'resp_0e2800fd5f0ca7a60168c9ef3cb4308190b5165fa836f8862b' not found.", "invalid_request_error"),
        // Asked with stream:true, answered with plain JSON.
        Cassette("pydantic-ai/models/cassettes/test_openai_responses/test_openai_responses_model_http_error.yaml", Responses, 400,
            "Invalid 'temperature': decimal below minimum value. Expected a value >= 0, but got -1 instead.", "decimal_below_min_value"),
        Cassette("pydantic-ai/models/cassettes/test_openai_responses/test_openai_responses_thinking_with_modified_history.yaml", Responses, 400,
            "Item 'rs_68c42de022c881948db7ed1cc2529f2e0202c9ad459e0d23' of type 'reasoning' was provided without its required following item.",
            "invalid_request_error"),
        Cassette("pydantic-ai/models/cassettes/test_openai/test_openai_o1_mini_system_role[developer].yaml", Chat, 400,
            "Unsupported value: 'messages[0].role' does not support 'developer' with this model.", "unsupported_value"),
        Cassette("pydantic-ai/models/cassettes/test_openai/test_openai_web_search_tool_model_not_supported.yaml", Chat, 400,
            "Web search options not supported with this model.", "invalid_request_error"),
        // vercel keeps the bodies only; their status is the one vercel's tests serve them with (400), and 429 for
        // insufficient_quota (reported-errors/README.md).
        new("vercel-ai/chat/reasoning-model-legacy-parameter-error.json", Chat,
            RecordedErrors.Body("vercel-ai/chat/reasoning-model-legacy-parameter-error.json", 400), 400, false,
            "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", "unsupported_parameter"),
        new("vercel-ai/responses/reasoning-model-temperature-error.json", Responses,
            RecordedErrors.Body("vercel-ai/responses/reasoning-model-temperature-error.json", 400), 400, false,
            "Unsupported parameter: 'temperature' is not supported with this model.", "invalid_request_error"),
        new("vercel-ai/responses/openai-error.1.json", Responses,
            RecordedErrors.Body("vercel-ai/responses/openai-error.1.json", 429), 429, false,
            "You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
            "insufficient_quota"),
    };

    private static HttpErrorCase Dotnet(string fixture, int entry, string api, int status, string message, string tag) =>
        new($"{fixture} #{entry}", api, RecordedErrors.SessionRecord(fixture, entry), status, false, message, tag);

    private static HttpErrorCase Cassette(string fixture, string api, int status, string message, string tag) =>
        new(fixture, api, RecordedErrors.Cassette(fixture), status, false, message, tag);

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task RecordedHttpError_BecomesModelCallExceptionWithStatusRetryabilityAndTheApiMessage(HttpErrorCase expected)
    {
        await using var server = await ReplayServer.StartAsync(expected.Answer);
        var request = Fixtures.Request(server.BaseUrl) with { Endpoint = new Endpoint(server.BaseUrl.ToString(), "gpt-5", expected.Api, "AR_PROVIDER_TEST_NO_KEY") };
        IModelClient client = expected.Api == Chat ? Fixtures.Client() : Fixtures.Responses();

        var error = await Assert.ThrowsAsync<ModelCallException>(() => client.CompleteAsync(request, null, CancellationToken.None));

        Assert.Equal((ModelErrorKinds.Http, expected.Status, expected.Retryable, (TimeSpan?)null),
            (error.Kind, error.HttpStatus, error.Retryable, error.RetryAfter));
        var path = expected.Api == Chat ? "/chat/completions" : "/responses";
        Assert.Equal($"HTTP {expected.Status} from {server.BaseUrl.ToString().TrimEnd('/')}{path}: {expected.Message} ({expected.Tag})", error.Message);
    }
}
