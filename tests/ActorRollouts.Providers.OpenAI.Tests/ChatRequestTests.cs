using System.Text.Json;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI.Tests;

public class ChatRequestTests
{
    internal const string Done = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":null}]}\n\n" +
                                "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n" +
                                "data: [DONE]\n\n";

    [Fact]
    public async Task Request_Transcript_IsSentWithNestedToolCallsAndToolMessagesInOrder()
    {
        await using var server = await ReplayServer.StartAsync(new Replay(Done));
        var call = new ToolCall("call_1", "read_file", """{"path":"a.txt"}""");
        var request = Fixtures.Request(server.BaseUrl, messages:
        [
            Message.System("sys"), Message.User("go"), Message.Assistant("looking", [call]),
            Message.ToolMessage(ToolResult.Success(call, "content of a")),
        ]) with { Tools = [new ToolSpec("read_file", "reads", JsonDocument.Parse("""{"type":"object","properties":{"path":{"type":"string"}}}""").RootElement)] };

        await Fixtures.Client().CompleteAsync(request, null, CancellationToken.None);

        using var sent = JsonDocument.Parse(Assert.Single(server.Received).Body);
        var root = sent.RootElement;
        Assert.True(root.GetProperty("stream").GetBoolean());
        Assert.Equal("gpt-4o", root.GetProperty("model").GetString());
        var messages = root.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["system", "user", "assistant", "tool"], messages.Select(m => m.GetProperty("role").GetString()));
        var sentCall = messages[2].GetProperty("tool_calls")[0];
        Assert.Equal(("call_1", "function", "read_file", """{"path":"a.txt"}"""),
            (sentCall.GetProperty("id").GetString(), sentCall.GetProperty("type").GetString(),
             sentCall.GetProperty("function").GetProperty("name").GetString(), sentCall.GetProperty("function").GetProperty("arguments").GetString()));
        Assert.Contains("looking", messages[2].GetProperty("content").GetRawText());
        Assert.Equal(("call_1", "content of a"), (messages[3].GetProperty("tool_call_id").GetString(), messages[3].GetProperty("content").GetString()));
        Assert.Equal("read_file", root.GetProperty("tools")[0].GetProperty("function").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Request_ApiKeyFromNamedVariable_IsSentAsBearerAndNeverInErrors()
    {
        var secret = "sk-test-" + Guid.NewGuid().ToString("n");
        Environment.SetEnvironmentVariable("AR_PROVIDER_TEST_KEY", secret);
        await using var server = await ReplayServer.StartAsync(new Replay(
            $$$"""{"error":{"message":"Incorrect API key provided: {{{secret}}}.","type":"invalid_request_error","param":null,"code":"invalid_api_key"} }""",
            401, "application/json"));

        var error = await Assert.ThrowsAsync<ModelCallException>(() =>
            Fixtures.Client().CompleteAsync(Fixtures.Request(server.BaseUrl, "AR_PROVIDER_TEST_KEY"), null, CancellationToken.None));

        Assert.Equal($"Bearer {secret}", Assert.Single(server.Received).Authorization);
        Assert.DoesNotContain(secret, error.Message);
        Assert.Contains("sk-***", error.Message);
    }

    [Fact]
    public async Task Request_NoKeyInTheVariable_SendsAPlaceholder()
    {
        await using var server = await ReplayServer.StartAsync(new Replay(Done));

        await Fixtures.Client().CompleteAsync(Fixtures.Request(server.BaseUrl, "AR_PROVIDER_TEST_SURELY_UNSET"), null, CancellationToken.None);

        Assert.Equal("Bearer no-key", Assert.Single(server.Received).Authorization);
    }
}

public class RequestOptionsTests
{
    private const string ChatDone = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n";

    [Fact]
    public async Task Chat_TemperatureMaxTokensAndExtraBody_AreSentForVllmStyleServers()
    {
        await using var server = await ReplayServer.StartAsync(new Replay(ChatDone));
        var extra = System.Collections.Immutable.ImmutableSortedDictionary<string, JsonElement>.Empty
            .Add("top_k", JsonDocument.Parse("20").RootElement)
            .Add("chat_template_kwargs", JsonDocument.Parse("""{"enable_thinking":false}""").RootElement);
        var request = Fixtures.Request(server.BaseUrl) with
        {
            Endpoint = new Endpoint(server.BaseUrl.ToString(), "Qwen/Qwen3-8B", "chat", "AR_NO_KEY", Temperature: 0.6, MaxOutputTokens: 512, ExtraBody: extra),
        };

        await Fixtures.Client().CompleteAsync(request, null, CancellationToken.None);

        var body = JsonDocument.Parse(Assert.Single(server.Received).Body).RootElement;
        Assert.Equal(0.6, body.GetProperty("temperature").GetDouble(), precision: 5);
        Assert.Equal(512, body.GetProperty("max_completion_tokens").GetInt32());
        Assert.Equal(20, body.GetProperty("top_k").GetInt32());
        Assert.False(body.GetProperty("chat_template_kwargs").GetProperty("enable_thinking").GetBoolean());
    }

    [Fact]
    public async Task Responses_MaxOutputTokensAndEffortFromEndpoint_NoTemperatureEvenIfSet()
    {
        var body = Fixtures.Text("_derived_sse/openai-dotnet__ResponsesTests__StreamingResponses__entry0.sse");
        await using var server = await ReplayServer.StartAsync(new Replay(body));
        var request = Fixtures.Request(server.BaseUrl, messages: [Message.System("be brief"), Message.User("hi")]) with
        {
            Endpoint = new Endpoint(server.BaseUrl.ToString(), "o3", "responses", "AR_NO_KEY", ReasoningEffort: "medium", Temperature: 0.6, MaxOutputTokens: 300),
        };

        await Fixtures.Responses().CompleteAsync(request, null, CancellationToken.None);

        var sent = JsonDocument.Parse(Assert.Single(server.Received).Body).RootElement;
        Assert.Equal(("o3", "be brief", 300, "medium", "auto"), (sent.GetProperty("model").GetString(), sent.GetProperty("instructions").GetString(),
            sent.GetProperty("max_output_tokens").GetInt32(), sent.GetProperty("reasoning").GetProperty("effort").GetString(),
            sent.GetProperty("reasoning").GetProperty("summary").GetString()));
        Assert.False(sent.TryGetProperty("temperature", out _));
        Assert.False(sent.GetProperty("store").GetBoolean());
        Assert.True(sent.GetProperty("stream").GetBoolean());
    }
}
