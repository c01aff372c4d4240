using System.Text.Json.Nodes;
using static ActorRollouts.FakeLlm.Tests.TokenClient;

namespace ActorRollouts.FakeLlm.Tests;

public class TokenizeEndpointTests
{
    private static JsonObject TokenizeBody(JsonArray messages, JsonArray? tools) =>
        new() { ["model"] = "fake", ["messages"] = messages.DeepClone(), ["tools"] = tools?.DeepClone(), ["add_generation_prompt"] = true };

    [Theory]
    [InlineData("please fix the typo", 3)]
    [InlineData("drift please", 4)] // the drifted turn comes back re-tokenized here too
    [InlineData("think first", 2)]
    public async Task Messages_GiveThePromptIdsTheChatEndpointReported(string user, int turns)
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(ChatTokenCaptureTests.Script));
        var messages = ChatTokenCaptureTests.Opening(user);

        for (var n = 0; n < turns; n++)
        {
            var tokenized = await PostJson(server, "/tokenize", TokenizeBody(messages, ChatTokenCaptureTests.Tools));
            var turn = await Chat(server, messages, ChatTokenCaptureTests.Tools, stream: false);

            Assert.Equal(turn.Prompt, Ids(tokenized["tokens"]));
            Assert.Equal(turn.Prompt.Length, (int)tokenized["count"]!);
            Assert.Equal(32768, (int)tokenized["max_model_len"]!);
            Assert.True(tokenized.AsObject().ContainsKey("token_strs") && tokenized["token_strs"] is null);
            Append(messages, turn);
        }
    }

    [Fact]
    public async Task Prompt_IsEncodedText_AndContinueFinalMessageLeavesTheLastMessageOpen()
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(ChatTokenCaptureTests.Script));

        var text = await PostJson(server, "/tokenize", new JsonObject { ["model"] = "fake", ["prompt"] = "héllo <think>odd" });
        var open = await PostJson(server, "/tokenize", new JsonObject
        {
            ["model"] = "fake", ["add_generation_prompt"] = false, ["continue_final_message"] = true,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }, new JsonObject { ["role"] = "assistant", ["content"] = "Par" }),
        });

        Assert.Equal(FakeTokenizer.Encode("héllo <think>odd"), Ids(text["tokens"]));
        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\nPar", FakeTokenizer.Decode(Ids(open["tokens"])));
    }

    [Theory]
    [InlineData("""{"model":"m","messages":"hi"}""", "messages")]
    [InlineData("""{"model":"m"}""", "messages")]
    [InlineData("""{"model":"m","prompt":5}""", "prompt")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"},{"content":"y"}]}""", "messages[1].role")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"add_generation_prompt":"yes"}""", "add_generation_prompt")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"continue_final_message":true}""", "continue_final_message")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x"}],"tools":{}}""", "tools")]
    public async Task BadBody_Is400NamingTheField(string body, string field)
    {
        await using var server = await FakeLlmServer.StartAsync(FakeScript.Parse(ChatTokenCaptureTests.Script));

        var (status, text) = await Post(server, "/tokenize", JsonNode.Parse(body)!.AsObject());

        Assert.Equal(400, status);
        var error = JsonNode.Parse(text)!["error"]!;
        Assert.Equal(field, (string?)error["param"]);
        Assert.Contains(field, (string?)error["message"]);
        Assert.Equal("invalid_request_error", (string?)error["type"]);
        Assert.Equal(400, Assert.Single(server.Requests).StatusCode);
    }
}
