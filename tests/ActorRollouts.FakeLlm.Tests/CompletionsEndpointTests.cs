using System.Text.Json.Nodes;
using static ActorRollouts.FakeLlm.Tests.TokenClient;

namespace ActorRollouts.FakeLlm.Tests;

/// <summary><c>POST /v1/completions</c> with a prompt of token ids, as a token-in/token-out client uses vLLM.</summary>
public class CompletionsEndpointTests
{
    /// <summary>A history after the first scripted turn, and the ids /tokenize renders it to.</summary>
    private static async Task<(JsonArray Messages, int[] Prompt)> AfterFirstTurn(FakeLlmServer server)
    {
        var messages = ChatTokenCaptureTests.Opening("please fix the typo");
        Append(messages, await Chat(server, messages, ChatTokenCaptureTests.Tools, stream: false));
        var tokenized = await PostJson(server, "/tokenize", new JsonObject
        {
            ["model"] = "fake", ["messages"] = messages.DeepClone(), ["tools"] = ChatTokenCaptureTests.Tools.DeepClone(),
        });
        return (messages, Ids(tokenized["tokens"]));
    }

    [Fact]
    public async Task PromptIdsOfARenderedChat_PlayTheRightTurn_AndTheTextCarriesTheToolCall()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(ChatTokenCaptureTests.Script));
        var (messages, prompt) = await AfterFirstTurn(server);

        var json = await PostJson(server, "/v1/completions", new JsonObject
        {
            ["model"] = "fake", ["prompt"] = Json(prompt), ["max_tokens"] = 512, ["return_token_ids"] = true, ["logprobs"] = 1,
        });
        var viaChat = await Chat(server, messages, ChatTokenCaptureTests.Tools, stream: false);

        Assert.Equal("text_completion", (string?)json["object"]);
        var choice = json["choices"]![0]!;
        var text = (string)choice["text"]!;
        Assert.StartsWith("<think>\na.txt says héllo 😀\n</think>\n\n<tool_call>\n{\"name\": \"write_file\", \"arguments\": ", text);
        Assert.EndsWith("}\n</tool_call>", text);
        Assert.Equal("stop", (string?)choice["finish_reason"]);
        var ids = Ids(choice["token_ids"]);
        Assert.Equal([.. FakeTokenizer.Encode(text), FakeTokenizer.ImEnd], ids);
        Assert.Equal(viaChat.Completion, ids); // the same turn, generated the same way
        Assert.Equal(prompt, Ids(choice["prompt_token_ids"]));
        Assert.Equal((prompt.Length, ids.Length), ((int)json["usage"]!["prompt_tokens"]!, (int)json["usage"]!["completion_tokens"]!));
        var logprobs = choice["logprobs"]!;
        Assert.Equal(ids.Select(FakeTokenizer.TokenText), logprobs["tokens"]!.AsArray().Select(t => (string)t!));
        Assert.All(logprobs["top_logprobs"]!.AsArray(), top => Assert.Equal(2, top!.AsObject().Count)); // the sampled token + K
        Assert.Equal(0, (int)logprobs["text_offset"]![0]!);
        var recorded = server.Requests.Single(r => r.Path == "/v1/completions");
        Assert.Equal((1, 200), (recorded.Turn, recorded.StatusCode));
        Assert.Equal(ids, recorded.Tokens!.CompletionIds);
        Assert.Equal(logprobs["token_logprobs"]!.AsArray().Select(v => (float)(double)v!), recorded.Tokens.Logprobs);
    }

    [Fact]
    public async Task Streamed_ChunksAddUpToTheWholeAnswer_ThePromptIdsOnTheFirst()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(ChatTokenCaptureTests.Script));
        var (_, prompt) = await AfterFirstTurn(server);
        var body = new JsonObject { ["model"] = "fake", ["prompt"] = Json(prompt), ["return_token_ids"] = true, ["logprobs"] = 0 };
        var whole = (await PostJson(server, "/v1/completions", body))["choices"]![0]!;

        body["stream"] = true;
        body["stream_options"] = new JsonObject { ["include_usage"] = true };
        var (status, sse) = await Post(server, "/v1/completions", body);
        var chunks = Events(sse);

        Assert.Equal(200, status);
        var choices = chunks.SkipLast(1).Select(c => c["choices"]![0]!).ToList();
        Assert.True(choices.Count > 3, $"{choices.Count} chunks");
        Assert.Equal(prompt, Ids(choices[0]["prompt_token_ids"]));
        Assert.All(choices.Skip(1), c => Assert.False(c.AsObject().ContainsKey("prompt_token_ids")));
        Assert.Equal((string)whole["text"]!, string.Concat(choices.Select(c => (string)c["text"]!)));
        Assert.Equal(Ids(whole["token_ids"]), choices.SelectMany(c => Ids(c["token_ids"])));
        Assert.All(choices, c => Assert.Equal(Ids(c["token_ids"]).Length, c["logprobs"]!["token_logprobs"]!.AsArray().Count));
        Assert.Equal(["stop"], choices.Select(c => (string?)c["finish_reason"]).OfType<string>());
        Assert.Equal(FakeTokenizer.ImEnd, Ids(choices[^1]["token_ids"])[^1]);
        Assert.Empty(chunks[^1]["choices"]!.AsArray());
        Assert.Equal(prompt.Length, (int)chunks[^1]["usage"]!["prompt_tokens"]!);
    }

    [Fact]
    public async Task PromptAsText_IsTokenizedFirst_AndUnknownIdsAre400()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(ChatTokenCaptureTests.Script));

        var json = await PostJson(server, "/v1/completions", new JsonObject
        {
            ["model"] = "fake", ["prompt"] = "<|im_start|>user\ndrift please<|im_end|>\n<|im_start|>assistant\n",
        });
        var (status, error) = await Post(server, "/v1/completions", new JsonObject { ["model"] = "fake", ["prompt"] = Json([1, 8, 2]) });

        Assert.Equal("One.", (string?)json["choices"]![0]!["text"]);
        Assert.False(json["choices"]![0]!.AsObject().ContainsKey("token_ids")); // not asked for
        Assert.Equal(400, status);
        Assert.Contains("'prompt' holds token id 8", (string?)JsonNode.Parse(error)!["error"]!["message"]);
    }
}
