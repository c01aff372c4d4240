using System.Text.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tokens;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>With <c>provider.stream = off</c> a Chat Completions call asks for the whole answer and reads vLLM's whole
/// completion: its message (tool calls by their place: they carry no index), ids and logprobs.</summary>
public class ChatNotStreamedTests
{
    private const string VllmCompletion = """
        {"id":"chatcmpl-9","object":"chat.completion","created":1,"model":"Qwen/Qwen3-8B","prompt_token_ids":[151644,872,198],
         "choices":[{"index":0,"message":{"role":"assistant","content":"Two reads.","refusal":null,"tool_calls":[
            {"id":"call_a","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"a\"}"}},
            {"id":"call_b","type":"function","function":{"name":"read_file","arguments":"{\"path\":\"b\"}"}}]},
          "logprobs":{"content":[{"token":"Two","logprob":-0.5,"bytes":[84,119,111],"top_logprobs":[]},{"token":"","logprob":-0.25,"bytes":[],"top_logprobs":[]}]},
          "finish_reason":"tool_calls","token_ids":[11613,151645]}],
         "usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}
        """;

    [Fact]
    public async Task AWholeCompletion_GivesBothCallsInOrder_AndItsTokens()
    {
        await using var server = await ReplayServer.StartAsync(new Replay(VllmCompletion, ContentType: "application/json"));
        var client = new ChatCompletionsClient(new ProviderSettings(TimeSpan.FromSeconds(20), Stream: false));
        var request = Fixtures.Request(server.BaseUrl) with
        {
            Endpoint = new Endpoint(server.BaseUrl.ToString(), "Qwen/Qwen3-8B", "chat", "AR_NO_KEY", Tokens: TokenModes.Capture),
        };

        var response = await client.CompleteAsync(request, null, CancellationToken.None);

        var body = JsonDocument.Parse(Assert.Single(server.Received).Body).RootElement;
        Assert.False(body.GetProperty("stream").GetBoolean());
        Assert.False(body.TryGetProperty("stream_options", out _));
        Assert.Equal("Two reads.", response.Assistant.Content);
        Assert.Equal(["call_a", "call_b"], response.Assistant.ToolCalls!.Select(c => c.Id));
        Assert.Equal("""{"path":"b"}""", response.Assistant.ToolCalls![1].Arguments.ToString());
        Assert.Equal(("tool_calls", new Usage(3, 2)), (response.FinishReason, response.Usage));
        Assert.Equal([151644, 872, 198], response.Tokens!.PromptIds.ToArray());
        Assert.Equal([11613, 151645], response.Tokens.CompletionIds.ToArray());
        Assert.Equal([-0.5f, -0.25f], response.Tokens.Logprobs.ToArray());
    }
}
