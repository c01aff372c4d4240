using System.Text.Json.Nodes;

namespace ActorRollouts.FakeLlm.Tests;

public class FakeChatTemplateTests
{
    [Fact]
    public void AssistantBody_PutsHermesBlocksAfterTheText()
    {
        (string, string)[] calls = [("a", """{"x":1}"""), ("b", "{broken")];

        Assert.Equal("Hi.\n\n<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\":1}}\n</tool_call>\n<tool_call>\n{\"name\": \"b\", \"arguments\": {broken}\n</tool_call>",
            FakeChatTemplate.AssistantBody("Hi.", calls));
        Assert.Equal("<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\":1}}\n</tool_call>", FakeChatTemplate.AssistantBody(null, calls[..1]));
        Assert.Equal("<think>\nr\n</think>\n\n<tool_call>\n{\"name\": \"a\", \"arguments\": {\"x\":1}}\n</tool_call>",
            FakeChatTemplate.AssistantBody(FakeChatTemplate.ThinkBlock("r"), calls[..1]));
        Assert.Equal("Just text.", FakeChatTemplate.AssistantBody("Just text.", []));
        Assert.Equal("Answer.", FakeChatTemplate.DropThink(FakeChatTemplate.ThinkBlock("why") + "Answer."));
    }

    [Fact]
    public void RenderText_ToolsWithoutSystem_GetABlockOfTheirOwn_AndToolResultsAreUserBlocks()
    {
        var messages = new JsonArray(
            new JsonObject { ["role"] = "user", ["content"] = new JsonArray(new JsonObject { ["type"] = "text", ["text"] = "hi" }) },
            new JsonObject { ["role"] = "assistant", ["content"] = null, ["tool_calls"] = new JsonArray(new JsonObject
            {
                ["id"] = "c1", ["type"] = "function", ["function"] = new JsonObject { ["name"] = "f", ["arguments"] = "{}" },
            }) },
            new JsonObject { ["role"] = "tool", ["tool_call_id"] = "c1", ["content"] = "done" });
        var tools = new JsonArray(new JsonObject { ["type"] = "function", ["function"] = new JsonObject { ["name"] = "f" } });

        var text = new FakeChatTemplate().RenderText(messages, tools);

        Assert.Equal("<|im_start|>system\n# Tools\n{\"type\":\"function\",\"function\":{\"name\":\"f\"}}<|im_end|>\n" +
            "<|im_start|>user\nhi<|im_end|>\n" +
            "<|im_start|>assistant\n<tool_call>\n{\"name\": \"f\", \"arguments\": {}}\n</tool_call><|im_end|>\n" +
            "<|im_start|>user\n<tool_response>\ndone\n</tool_response><|im_end|>\n" +
            "<|im_start|>assistant\n", text);
        Assert.Equal(FakeTokenizer.Encode(text), new FakeChatTemplate().Render(messages, tools));
    }
}
