using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>Every recorded non-streamed Responses API answer to <c>POST /responses</c> (see FIXTURES.md). We always
/// stream; a stream's terminal event carries this same response object, and some servers send nothing else. Each
/// recording is served that way and must parse to its text, calls, reasoning, usage and items.</summary>
public class ResponsesRecordedBodyTests
{
    private static ExpectedText Exactly(string text) => ExpectedText.Exactly(text);
    private const string Hello = "Hello! How can I assist you today?";

    public static TheoryData<ResponsesCase> Bodies() => new()
    {
        new("openai-dotnet/ResponsesTests/CanDeleteResponse.json", 0, "resp_012716c47e5818750068c9ef3acb74819590c9bfdd9025e969",
            Exactly(Hello), null, "stop", new Usage(11, 10), ["message"]),
        new("openai-dotnet/ResponsesTests/CanOptOutOfStorage.json", 0, "resp_0e2800fd5f0ca7a60168c9ef3cb4308190b5165fa836f8862b",
            Exactly(Hello), null, "stop", new Usage(11, 10), ["message"]),
        new("openai-dotnet/ResponsesTests/FunctionCallWorks.json", 0, "resp_0df7c3d8927b3a940068c9ef43dce481949ab7ac4c9f676d61",
            null, null, "tool_calls", new Usage(74, 20), ["function_call"],
            new ToolCall("call_S2X9KuEJpYvFcF4hgv1XwM0j", "get_weather_at_location", """{"location":"San Francisco, CA"}""")),
        new("openai-dotnet/ResponsesTests/FunctionCallWorks.json", 1, "resp_0df7c3d8927b3a940068c9ef44dee08194b3e80eb579a14f4f",
            new("The weather in San Francisco is currently about 22", "eavy.\n\nEnjoy your time in San Francisco!", 686), null, "stop", new Usage(109, 156), ["message"]),
        new("openai-dotnet/ResponsesTests/FunctionToolChoiceWorks.json", 0, "resp_0527cf583d4b83a20068c9ef49a6a48195a04f1bba8d41c76f",
            null, null, "tool_calls", new Usage(85, 9), ["function_call"],
            new ToolCall("call_BqsfYq3Rbo3jhqhvi967qBX9", "get_weather_at_location", """{"location":"San Francisco, CA"}""")),
        // status incomplete (max_output_tokens): sent as response.incomplete.
        new("openai-dotnet/ResponsesTests/MaxTokens.json", 0, "resp_0d0ddc12d86aa22e0068c9ef4a86fc81908acb06dd825129eb",
            Exactly("Mango sun-kissed sweet,  \nGolden nectar drips like rain,  \nSummer's bliss revealed"), null, "length", new Usage(14, 20), ["message"]),
        new("openai-dotnet/ResponsesTests/OutputTextMethod.json", 0, "resp_09163d12481226a80068c9ef4ce6848194bc5be7e0c05c5f93",
            Exactly("Hello."), null, "stop", new Usage(14, 3), ["message"]),
        new("openai-dotnet/ResponsesTests/OutputTextMethod.json", 1, "resp_001c3236959022f90068c9ef4d928481978c4cb1582c1fa353",
            null, null, "tool_calls", new Usage(43, 2), ["function_call"], new ToolCall("call_K0LrIysPnAkKan5jHP918v4g", "get_weather", "{}")),
        new("openai-dotnet/ResponsesTests/ReasoningWithStoreDisabled.json", 0, "resp_043d78233d7dcd9c0169305fddc2c08191abc8dc2d9d67b59f",
            Exactly("Hello! How can I help you today?"), null, "stop", new Usage(10, 15), ["reasoning", "message"]),
        new("openai-dotnet/ResponsesTests/ReasoningWithStoreDisabled.json", 1, "resp_070aaf820256deaf0169305fdf51c081a38dfd239857f82f0b",
            Exactly("Hello! How can I help you today?"), null, "stop", new Usage(10, 79, 64), ["reasoning", "message"]),
        new("openai-dotnet/ResponsesTests/ResponsesHelloWorldWithTool(%gpt-4o-mini%).json", 0, "resp_68d3329f57948195aa367352ad162cad0dbdf7995900095e",
            null, null, "tool_calls", new Usage(48, 20), ["function_call"],
            new ToolCall("call_LLIj0HSSt3jMl4hU3V4AKCUl", "get_custom_greeting", """{"time_of_day":"morning"}""")),
        new("openai-dotnet/ResponsesTests/ResponsesWithPromptCache.json", 0, "resp_0a1bf838b824b014006a3d86109d4c81989282aec4f3642be1",
            Exactly("Hello! How can I help you today?"), null, "stop", new Usage(10, 13), ["message"]),
        new("openai-dotnet/ResponsesTests/ResponsesWithReasoning.json", 0, "resp_0cc0a58be930d768006a7cced25fbc819e8fa80571fbf90047",
            new("For a tight, leak-resistant burrito:\n\n1. **Warm th", "hink—about 1½ cups for a large tortilla.", 626), "**Creating clear instructions**\n\nI need to pr",
            "stop", new Usage(30, 221, 56), ["reasoning", "message"]),
        new("openai-dotnet/ResponsesTests/SingleResponseInstruction.json", 0, "resp_070dcff077093ea200699f4e4b5e6c8193bf98816bab3bcf20",
            Exactly("Ahoy! How can I help you today?"), null, "stop", new Usage(23, 89, 64), ["reasoning", "message"]),
        new("openai-dotnet/ResponsesTests/TwoTurnCrossModel.json", 0, "resp_0a7dc17d80037ac10068c9ef5fde6c819584f9330a1318e98e",
            Exactly("Hello, Travis! How can I assist you today?"), null, "stop", new Usage(16, 12), ["message"]),
        new("openai-dotnet/ResponsesTests/TwoTurnCrossModel.json", 1, "resp_0a7dc17d80037ac10068c9ef60c4688195b733b7b002095bfc",
            Exactly("Your name is Travis."), null, "stop", new Usage(38, 70, 64), ["reasoning", "message"]),
        new("openai-dotnet/ResponsesToolTests/ApplyPatchToolWorks(%CreateFile%).json", 0, "resp_0e6d9ab2ae9cbf5c0069cf1a4c46088197846df22acaf7a6ec",
            null, null, "stop", new Usage(711, 41), ["apply_patch_call"]),
        new("openai-dotnet/ResponsesToolTests/ApplyPatchToolWorks(%CreateFile%).json", 1, "resp_0e6d9ab2ae9cbf5c0069cf1a4d9fd48197ab130d89d56aa852",
            Exactly("I’ve created `NOTES.md` with exactly the requested content and did not modify any existing files."), null, "stop", new Usage(789, 25), ["message"]),
        new("openai-dotnet/ResponsesToolTests/WebSearchCallWithReasoning.json", 0, "resp_0ae4c5fac2e4a09c0069c76c3a41fc819099cdcf43e3589b20",
            new("On that page, the **“Sources”** section explains t", "i.com/api/docs/guides/tools-web-search))", 679), null, "stop", new Usage(12724, 698, 532, 4352),
            ["reasoning", "web_search_call", "reasoning", "web_search_call", "reasoning", "message"]),
        new("vercel-ai/azure/azure-reasoning-encrypted-content.1.json", 0, "resp_09d58369f84fca7901693cb8381f608196acdaff061ff8de58",
            Exactly("(12 + 7) = 19\n19 × 3 = 57\n57 × 10 = 570\n\nFinal result: 570"), "**Compiling final result**\n\nI need to present",
            "stop", new Usage(564, 101, 64), ["reasoning", "message"]),
        new("vercel-ai/azure/azure-tool-call.1.json", 0, "resp_0a2fa1b539ba14ba00698c519df7a88194874af28c8bfccb12",
            null, null, "tool_calls", new Usage(45, 24), ["function_call"], new ToolCall("call_YunNGbIwdVJ2i0y0Mybva4Pw", "weather", """{"location":"San Francisco"}""")),
        new("vercel-ai/responses/openai-client-tool-search.2.json", 0, "resp_01166e06cf473fc80169ab66eaadc8819680a3e03ef7363017",
            null, null, "tool_calls", new Usage(461, 26), ["function_call"],
            new ToolCall("call_heVrRaKZEJbsRvHvaEf5BLUI", "get_weather", """{"location":"San Francisco, CA","unit":"fahrenheit"}""")),
        new("vercel-ai/responses/openai-mcp-tool-approval.1.json", 0, "resp_04f6b17429cf2b02006949a66d56088196a2d1b86e820556ce",
            null, null, "stop", new Usage(422, 104, 64), ["mcp_list_tools", "reasoning", "mcp_approval_request"]),
        new("vercel-ai/responses/openai-phase.1.json", 0, "resp_0465b6d1ae1f97c500699f88318ee481a3b627f7fcb4875152",
            new("I’ll quickly check reliable, up-to-date sources (m", "ith only same-day / last-48-hours items.", 1368), null, "stop", new Usage(7243, 423, 58, 3072), ["message", "message"]),
        new("vercel-ai/responses/openai-reasoning-encrypted-content.1.json", 0, "resp_0f35ed53160b395301693cc957829881909359e7f80cdd20b5",
            Exactly("12 + 7 = 19\n19 × 3 = 57\n57 × 10 = 570\n\nFinal result: 570"), "**Reporting final result**\n\nThe tool returned",
            "stop", new Usage(865, 163, 128), ["reasoning", "message"]),
        new("vercel-ai/responses/openai-tool-search.1.json", 0, "resp_04bd69550b37ba260069aa689530d0819094482b7c14059a0f",
            null, null, "tool_calls", new Usage(640, 46, 20), ["tool_search_call", "tool_search_output", "function_call"],
            new ToolCall("call_ytqozXvUXG8NN1b0IODxzUaE", "get_weather", """{"location":"San Francisco, CA","unit":"fahrenheit"}""")),
        new("vercel-ai/responses/programmatic-tool-calling.1.json", 0, "resp_0742d30c1d273351016a6145ef9a28819fa909a12fb4ce083c",
            null, null, "tool_calls", new Usage(631, 139, 55), ["reasoning", "program", "function_call"],
            new ToolCall("call_rj6LW6NEyodD5YVKeoexoLNz", "getInventory", """{"sku":"sku_123"}""")),
        new("openai-python/responses_nonstream__test_output_text.json", 0, "resp_689a0b2545288193953c892439b42e2800b2e36c65a1fd4b",
            new("I can't provide real-time updates, but you can eas", "ood to be prepared for variable weather!", 245), null, "stop", new Usage(14, 50), ["message"]),
        new("dotnet-extensions/responses__BasicRequestResponse_NonStreaming.response.json", 0, "resp_67d327649b288191aeb46a824e49dc40058a5e08c46a181d",
            Exactly(Hello), null, "stop", new Usage(26, 10), ["message"]),
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task Responses_RecordedBodyAsTerminalEvent_ParsesTextCallsReasoningUsageAndItems(ResponsesCase expected)
    {
        var recorded = expected.Fixture.StartsWith("openai-dotnet/", StringComparison.Ordinal)
            ? Fixtures.Json(expected.Fixture).GetProperty("Entries")[expected.Part].GetProperty("ResponseBody")
            : Fixtures.Json(expected.Fixture);
        await using var server = await ReplayServer.StartAsync(new Replay(RecordedStreams.AsTerminalEvent(recorded)));

        expected.Matches(await Fixtures.Responses().CompleteAsync(ResponsesCase.Request(server.BaseUrl), null, CancellationToken.None));
    }
}
