using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>Every recorded Responses API stream (see FIXTURES.md), served over HTTP and parsed by
/// <see cref="ResponsesApiClient"/>: text, function calls, reasoning summary, finish reason, usage and the output items
/// kept for the next turn. Streams with hosted tools (MCP, web/file search, code interpreter, shell, tool search,
/// programs) carry event and item types we do not act on: they must still parse.</summary>
public class ResponsesRecordedStreamTests
{
    private static ExpectedText Exactly(string text) => ExpectedText.Exactly(text);
    private const string EncryptedReasoning = "vercel-ai/responses/openai-reasoning-encrypted-content.1.chunks.txt";
    private const string AzureReasoning = "vercel-ai/azure/azure-reasoning-encrypted-content.1.chunks.txt";

    public static TheoryData<ResponsesCase> Streams() => new()
    {
        new("_derived_sse/openai-dotnet__ResponsesTests__CanStreamBackgroundResponses__entry0.sse", 0, "resp_0a5004ef5dc3564c0069845a9c82c481938b9b7c975a6f56b1",
            new("Sure! Here’s a gentle bedtime story for you:\n\n---\n", "ry, or something else to help you relax?", 1801), null, "stop", new Usage(13, 404), ["message"]),
        // The resumed stream (GET ?stream=true&starting_after=1) has no response.created.
        new("_derived_sse/openai-dotnet__ResponsesTests__CanStreamBackgroundResponses__entry2.sse", 0, "resp_0a5004ef5dc3564c0069845a9c82c481938b9b7c975a6f56b1",
            new("Sure! Here’s a gentle bedtime story for you:\n\n---\n", "ry, or something else to help you relax?", 1801), null, "stop", new Usage(13, 404), ["message"]),
        new("_derived_sse/openai-dotnet__ResponsesTests__FunctionCallStreamingWorks__entry0.sse", 0, "resp_0c25e60be926327b0069305eb9ac6c8195833249c070ef4e7e",
            null, null, "tool_calls", new Usage(74, 20), ["function_call"],
            new ToolCall("call_0UFGPwrziw5rbinYp7rthrTb", "get_weather_at_location", """{"location":"San Francisco, CA"}""")),
        new("_derived_sse/openai-dotnet__ResponsesTests__StreamingResponsesWithReasoningSummary__entry0.sse", 0, "resp_0287fead24f79e6800690a9299d7448195bc07c13a4292dc3c",
            new("New York City offers an incredible blend of art an", "ng the art and flavors of New York City!", 6290), "**Planning a New York itinerary**\n\nThe user i",
            "stop", new Usage(45, 3506, 2240), ["reasoning", "message"]),
        new("_derived_sse/openai-dotnet__ResponsesTests__StreamingResponses__entry0.sse", 0, "resp_0b70e4946283a4df0068c9ef5ef4d88194adeeb6e2283d609a",
            Exactly("Hello! How can I assist you today?"), null, "stop", new Usage(11, 10), ["message"]),
        new("_derived_sse/openai-dotnet__ResponsesToolTests__MCPToolStreamingWorks__entry0.sse", 0, "resp_68d5effadd9c8195bcb7b4316872d56801146559af20c520",
            Exactly("4"), null, "stop", new Usage(575, 161, 128), ["mcp_list_tools", "reasoning", "mcp_call", "message"]),
        new("_derived_sse/openai-dotnet__ResponsesToolTests__WebSearchCallStreaming__entry0.sse", 0, "resp_0fe8ac2aae18ca0c0069c71b458dc08196b8cfdab19209e88f",
            new("As of 5:05\u202fPM on March 27, 2026, in Redmond, Washi", "sider checking a local weather service. ", 797), null, "stop", new Usage(8516, 315), ["web_search_call", "message"]),
        new("_derived_sse/pydantic-ai__test_openai_responses_model_mcp_server_tool_stream__interaction0.sse", 0, "resp_00b9cc7a23d047270068faa0e25934819f9c3bfdec80065bc4",
            new("pydantic-ai is a Python “agent” framework that bri", "-safe scaffold for AI agent development.", 687), null, "stop", new Usage(1401, 480, 256),
            ["mcp_list_tools", "reasoning", "mcp_call", "reasoning", "message"]),
        new("_derived_sse/pydantic-ai__test_openai_responses_phase_streamed_on_part_start__interaction0.sse", 0, "resp_0fabc13af1ee0049006a691dfdab8881a1a75f2db7ff78cb83",
            Exactly("I’ll check the capital lookup tool for “PotatoLand.”"), null, "tool_calls", new Usage(63, 69, 26), ["reasoning", "message", "function_call"],
            new ToolCall("call_LabG58Uhrq9kZvR52BYKjToD", "get_capital", """{"country":"PotatoLand"}""")),
        new("_derived_sse/pydantic-ai__test_openai_responses_phase_streamed_on_part_start__interaction1.sse", 0, "resp_0fabc13af1ee0049006a691dffc71481a18c5ea1841dec14ce",
            Exactly("The capital of PotatoLand is **Potato City**."), null, "stop", new Usage(147, 16), ["message"]),
        // March 2025: no sequence_number, no obfuscation.
        new("_derived_sse/pydantic-ai__test_openai_responses_stream__interaction0.sse", 0, "resp_67e554a155508191900ee113293c4c830794405d35281ae2",
            null, null, "tool_calls", new Usage(255, 16), ["function_call"],
            new ToolCall("call_kL0PCQV7M2WMoVX8V8OtYSAL", "get_capital", """{"country":"France"}""")),
        new("_derived_sse/pydantic-ai__test_openai_responses_stream__interaction1.sse", 0, "resp_67e554a21aa88191b65876ac5e5bbe0406c52f0e511c76ed",
            Exactly("The capital of France is Paris."), null, "stop", new Usage(278, 9), ["message"]),
        new("_derived_sse/pydantic-ai__test_openai_responses_streaming_usage__interaction0.sse", 0, "resp_0050471a34b36ae60068c97b94a480819587a9d70cf2979b33",
            null, null, "tool_calls", new Usage(53, 469, 448), ["reasoning", "function_call"],
            new ToolCall("call_CWXgs68YprAjp6t0371hiPOI", "final_result", """{"result":6666}""")),
        new("_derived_sse/pydantic-ai__test_openai_responses_thinking_part_iter__interaction0.sse", 0, "resp_68c42d0fb418819dbfa579f69406b49508fbf9b1584184ff",
            new("I'm not a road safety professional, but here are s", " rules specific to your area. Stay safe!", 1251), "**Providing street crossing instructions**\n\nT",
            "stop", new Usage(13, 1680, 1408), ["reasoning", "message"]),
        new("dotnet-extensions/responses__BasicReasoningResponse_Streaming.response.sse", 0, "resp_68b5ebab461881969ed94149372c2a530698ecbf1b9f2704",
            Exactly("The sum of the first 5 positive integers is 15."), "**Calculating a simple sum**", "stop", new Usage(17, 122, 64), ["reasoning", "message"]),
        new("dotnet-extensions/responses__BasicRequestResponse_Streaming.response.sse", 0, "resp_67d329fbc87c81919f8952fe71dafc96029dabe3ee19bb77",
            Exactly("Hello! How can I assist you today?"), null, "stop", new Usage(26, 10), ["message"]),
        new("dotnet-extensions/responses__McpToolCall_ApprovalNotRequired_Streaming.response.sse", 0, "resp_68be44fd7298819e82fd82c8516e970d03a2537be0e84a54",
            new("The path to the `README.md` file for `Microsoft.Ex", "re questions about it, feel free to ask!", 365), null, "stop", new Usage(1420, 149),
            ["mcp_list_tools", "mcp_call", "mcp_call", "message"]),
        new(AzureReasoning, 0, "resp_0ca3f598125653cf01693c1f21bf8c819596a078608d16a52d",
            null, "**Calculating in steps**\n\nI need to carry out", "tool_calls", new Usage(137, 28), ["reasoning", "function_call"],
            new ToolCall("call_UdvUeOElp5zdU0DKr6IoyhjE", "calculator", """{"a":12,"b":7,"op":"add"}""")),
        new(AzureReasoning, 1, "resp_0ca3f598125653cf01693c1f2686188195adf328026135e433",
            null, null, "tool_calls", new Usage(237, 26), ["function_call"],
            new ToolCall("call_Qm7RkNSRinyfYLyTUPXLrgH5", "calculator", """{"a":19,"b":3,"op":"multiply"}""")),
        new(AzureReasoning, 2, "resp_0ca3f598125653cf01693c1f28ad348195a1daf61cc1aa6381",
            null, null, "tool_calls", new Usage(276, 26), ["function_call"],
            new ToolCall("call_axaLIcwBQwyb49kT8613pJxW", "calculator", """{"a":57,"b":10,"op":"multiply"}""")),
        new(AzureReasoning, 3, "resp_0ca3f598125653cf01693c1f2ae8a081959804dec902c996c2",
            Exactly("The final result is **570**."), null, "stop", new Usage(315, 12), ["message"]),
        new("vercel-ai/azure/azure-tool-call.1.chunks.txt", 0, "resp_04041325ab8ae30400698c519fb7fc81979972618138fc336d",
            null, null, "tool_calls", new Usage(45, 24), ["function_call"],
            new ToolCall("call_H5DxLSFnsGhiROnUiDHmgyc8", "weather", """{"location":"San Francisco"}""")),
        new("vercel-ai/responses/openai-client-tool-search.2.chunks.txt", 0, "resp_05147bbe356953b60069ab6736cddc8196933842ce635db83f",
            null, null, "tool_calls", new Usage(467, 26), ["function_call"],
            new ToolCall("call_Q7pq6EfVGRnauPLWSSYBGJ1l", "get_weather", """{"location":"San Francisco, CA","unit":"fahrenheit"}""")),
        new("vercel-ai/responses/openai-code-interpreter-tool.1.chunks.txt", 0, "resp_68c2e6efa238819383d5f52a2c2a3baa02d3a5742c7ddae9",
            new("Here’s a simulation of rolling two fair six-sided ", "a in another format (JSON, Excel, etc.).", 596), null, "stop", new Usage(6047, 1623, 1408, 2944),
            ["reasoning", "code_interpreter_call", "reasoning", "code_interpreter_call", "reasoning", "code_interpreter_call", "reasoning", "message"]),
        new("vercel-ai/responses/openai-file-search-tool.1.chunks.txt", 0, "resp_0459517ad68504ad0068cabfba22b88192836339640e9a765a",
            new("According to the document, an embedding model conv", "as input for other models or NLP tasks .", 383), null, "stop", new Usage(3737, 621, 512, 2304),
            ["reasoning", "file_search_call", "reasoning", "message"]),
        new("vercel-ai/responses/openai-local-shell-tool.1.chunks.txt", 0, "resp_68da7fd5d24481949fc2cf1cc60377050faf5df54b42d9a6",
            null, null, "stop", new Usage(407, 151, 128), ["reasoning", "local_shell_call"]),
        new("vercel-ai/responses/openai-mcp-tool-approval.1.chunks.txt", 0, "resp_04a97b4fce127879006949a837a3a48195b37f26ae73f550c0",
            null, null, "stop", new Usage(422, 48), ["mcp_list_tools", "reasoning", "mcp_approval_request"]),
        // Two message items (phase commentary, then final_answer): their texts are kept apart by a blank line.
        new("vercel-ai/responses/openai-phase.1.chunks.txt", 0, "resp_0a63f40a2632b74300699f8818e5648196a8fa657ae8091421",
            new("Got it — I’ll quickly check reliable, up-to-date sources for AI headlines from **today (February 25, 2026)** and then summarize the key items with links.\n\nHere are a few **AI headlines",
                "tor-grade morning brief with timestamps.", 1640), null, "stop", new Usage(7112, 463, 64, 3072), ["message", "message"]),
        new(EncryptedReasoning, 0, "resp_01830d662ab3856501693c321345c88190b0de00f3b9975691",
            null, "**Calculating step-by-step using calculator**", "tool_calls", new Usage(134, 28), ["reasoning", "function_call"],
            new ToolCall("call_AB6AaRZ1FYZB2RwS6A5vbdqn", "calculator", """{"a":12,"b":7,"op":"add"}""")),
        new(EncryptedReasoning, 1, "resp_01830d662ab3856501693c3215903881909b710d150ff65014",
            null, null, "tool_calls", new Usage(221, 26), ["function_call"],
            new ToolCall("call_Q6pW65MUgW9vF59BmItYGos3", "calculator", """{"a":19,"b":3,"op":"multiply"}""")),
        new(EncryptedReasoning, 2, "resp_01830d662ab3856501693c3216bef88190bf0e034cff24137b",
            null, null, "tool_calls", new Usage(260, 26), ["function_call"],
            new ToolCall("call_Zl5vIMnD7dVAjgU6FkhmiCZh", "calculator", """{"a":57,"b":10,"op":"multiply"}""")),
        new(EncryptedReasoning, 3, "resp_01830d662ab3856501693c3217ba4c8190a3ddf6c839d4f12a",
            Exactly("The final result is **570**."), null, "stop", new Usage(299, 12), ["message"]),
        new("vercel-ai/responses/openai-tool-search.1.chunks.txt", 0, "resp_08a14073c7135dc10069aa68621de481908b2fc660fb4fc0af",
            null, null, "tool_calls", new Usage(640, 46, 20), ["tool_search_call", "tool_search_output", "function_call"],
            new ToolCall("call_pddfxhfOx4gY56zn4vIIEbFp", "get_weather", """{"location":"San Francisco, CA","unit":"fahrenheit"}""")),
        // gpt-5.6-sol: a "program" item the SDK does not know, and a function_call with a new "caller" field.
        new("vercel-ai/responses/programmatic-tool-calling.1.chunks.txt", 0, "resp_0bac52ec5f239d30016a6145ff09a4819291ced3bf727cda6b",
            null, null, "tool_calls", new Usage(631, 87, 37), ["reasoning", "program", "function_call"],
            new ToolCall("call_VgDSZztLociNcutQZWkC2fmL", "getInventory", """{"sku":"sku_123"}""")),
    };

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task Responses_RecordedStream_ParsesTextCallsReasoningUsageAndItems(ResponsesCase expected)
    {
        var bodies = RecordedStreams.Responses(expected.Fixture);
        await using var server = await ReplayServer.StartAsync(new Replay(bodies[expected.Part]));

        expected.Matches(await Fixtures.Responses().CompleteAsync(ResponsesCase.Request(server.BaseUrl), null, CancellationToken.None));
    }
}
