using ActorRollouts.Core.Tokens;

namespace ActorRollouts.Core.Tests;

/// <summary>The hermes parser on what models really write, and on what they get wrong.</summary>
public class ToolCallParsersTests
{
    /// <summary>Qwen2.5-7B-Instruct's answer to "What's the weather like in Boston today?" with a get_current_weather tool,
    /// as recorded in SGLang's function-calling documentation (its raw text, newlines restored): words, then two calls.</summary>
    private const string RecordedQwen =
        "To provide you with the current weather in Boston, I will use the `get_current_weather` function. This function requires " +
        "the city name, state abbreviation, and the temperature unit you prefer. For Boston, the state is Massachusetts, which has " +
        "the abbreviation 'MA'. You didn't specify a unit, so I'll provide the temperature in both Celsius and Fahrenheit for your " +
        "convenience.\n\nLet's proceed with fetching the weather data.\n<tool_call>\n" +
        "{\"name\": \"get_current_weather\", \"arguments\": {\"city\": \"Boston\", \"state\": \"MA\", \"unit\": \"celsius\"}}\n</tool_call>\n<tool_call>\n" +
        "{\"name\": \"get_current_weather\", \"arguments\": {\"city\": \"Boston\", \"state\": \"MA\", \"unit\": \"fahrenheit\"}}\n</tool_call>";

    [Fact]
    public void Hermes_RecordedQwenText_GivesItsWordsAndBothCallsWithTheirArgumentsVerbatim()
    {
        var parsed = ToolCallParsers.Parse(ToolCallParsers.Hermes, RecordedQwen, turn: 3);

        Assert.StartsWith("To provide you with the current weather in Boston", parsed.Content);
        Assert.EndsWith("Let's proceed with fetching the weather data.", parsed.Content);
        Assert.Equal(["call_3_0", "call_3_1"], parsed.Calls.Select(c => c.Id));
        Assert.All(parsed.Calls, c => Assert.Equal("get_current_weather", c.Name));
        Assert.Equal("""{"city": "Boston", "state": "MA", "unit": "celsius"}""", parsed.Calls[0].Arguments.ToString());
        Assert.Equal("""{"city": "Boston", "state": "MA", "unit": "fahrenheit"}""", parsed.Calls[1].Arguments.ToString());
        Assert.Null(parsed.Reasoning);
    }

    [Fact]
    public void Hermes_ThinkBlockFirst_IsTheReasoning()
    {
        var parsed = ToolCallParsers.Parse(ToolCallParsers.Hermes,
            "<think>\nLet me check the weather for Paris in Celsius.\n</think>\n\n<tool_call>\n{\"name\": \"get_current_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", 1);

        Assert.Equal("Let me check the weather for Paris in Celsius.", parsed.Reasoning);
        Assert.Null(parsed.Content);
        Assert.Equal("get_current_weather", Assert.Single(parsed.Calls).Name);
    }

    [Theory]
    [InlineData("<tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\": \"a\"\n</tool_call>")] // broken JSON
    [InlineData("<tool_call>\n{\"name\": \"read_file\", \"arguments\": {\"path\"")]                        // cut off by the token limit
    [InlineData("<tool_call>\n[\"read_file\"]\n</tool_call>")]                                             // not an object
    public void Hermes_ABrokenBlock_IsAnInvalidCallCarryingItsText_NotALostOne(string text)
    {
        var call = Assert.Single(ToolCallParsers.Parse(ToolCallParsers.Hermes, text, 2).Calls);

        Assert.Equal(ToolCallParsers.InvalidCall, call.Name);
        Assert.Contains("read_file", call.Arguments.ToString());
    }

    [Fact]
    public void Hermes_ArgumentsWrittenAsAString_AreThatString()
    {
        var call = Assert.Single(ToolCallParsers.Parse(ToolCallParsers.Hermes,
            "<tool_call>{\"name\": \"bash\", \"arguments\": \"{\\\"command\\\": \\\"ls\\\"}\"}</tool_call>", 1).Calls);

        Assert.Equal("""{"command": "ls"}""", call.Arguments.ToString());
    }

    [Fact]
    public void ExactPrompts_ExtendTheOwnTokens_WithTheTemplatesGlueAndTheNewMessages()
    {
        // Own tokens: prompt [1, 9] then completion [20, 21, 2] (2 = <|im_end|>). The template renders the history with other
        // ids for the answer (drift) — [1, 9, 77, 2, 10] — and then the tool result [30, 31] and the generation prompt [1, 40].
        var next = ExactPrompts.Extend([1, 9, 20, 21, 2], [1, 9, 77, 2, 10], [1, 9, 77, 2, 10, 30, 31, 1, 40]);

        Assert.Equal([1, 9, 20, 21, 2, 10, 30, 31, 1, 40], next!.Value.ToArray());
        Assert.Null(ExactPrompts.Extend([1, 2], [1, 2, 10], [1, 5, 10, 30]));
    }
}
