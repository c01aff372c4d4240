using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>One recorded Chat Completions stream and what it says, read off the recording by hand.</summary>
public sealed record ChatStreamCase(string Fixture, string ResponseId, ExpectedText? Content, string Finish, Usage Usage, params ToolCall[] Calls)
{
    public override string ToString() => Fixture;
}

/// <summary>Every recorded Chat Completions stream our client can be sent (see FIXTURES.md), served over HTTP and
/// parsed by <see cref="ChatCompletionsClient"/>: assistant text, tool calls, finish reason and usage.</summary>
public class ChatRecordedStreamTests
{
    private static ExpectedText Exactly(string text) => ExpectedText.Exactly(text);

    public static TheoryData<ChatStreamCase> Streams() => new()
    {
        new("_derived_sse/openai-dotnet__ChatTests__StreamingStructuredRefusalWorks__entry0.sse", "chatcmpl-D8dV4fIhj9EeF5vu9iDuZYuG5qp3o",
            Exactly("I'm sorry, I can't assist with that request."), "stop", new Usage(26, 10)),
        new("_derived_sse/openai-dotnet__ChatTests__TokenLogProbabilitiesStreaming(False)__entry0.sse", "chatcmpl-D8dUAJuyyWxWUFRdcu8FB6Vi6yfLu",
            new("The best pizza toppings can vary depending on personal prefe", "lavors and enhance the pizza experience.", 3300), "stop", new Usage(22, 712)),
        new("_derived_sse/pydantic-ai__test_complex_agent_run__interaction0.sse", "chatcmpl-C2QD1kGWsTW5OWiqAtOSFEAOfPfQH", null, "tool_calls", new Usage(364, 40),
            new ToolCall("call_q2UyBRP7eXNTzAoR8lEhjc9Z", "get_country", "{}"),
            new ToolCall("call_b51ijcpFkDiTQG1bQzsrmtW5", "get_product_name", "{}")),
        new("_derived_sse/pydantic-ai__test_complex_agent_run__interaction1.sse", "chatcmpl-C2QD2NQfRbWW5ww5we2oDjS1mgHtK", null, "tool_calls", new Usage(423, 15),
            new ToolCall("call_LwxJUB9KppVyogRRLQsamRJv", "get_weather", """{"city":"Mexico City"}""")),
        new("_derived_sse/pydantic-ai__test_complex_agent_run__interaction2.sse", "chatcmpl-C2QD4vblfNcSDeoXmULJR4umoKNqY", null, "tool_calls", new Usage(448, 62),
            new ToolCall("call_CCGIWaMeYWmxOQ91orkmTvzn", "final_result",
                """{"answers":[{"label":"Capital","answer":"The capital of Mexico is Mexico City."},{"label":"Weather","answer":"The weather in Mexico City is currently sunny."},{"label":"Product Name","answer":"The product name is Pydantic AI."}]}""")),
        new("_derived_sse/pydantic-ai__test_complex_agent_run_sequential_tool__interaction0.sse", "chatcmpl-C1KMEUDb1vVwsROQUCZTgG6A6vtWo", null, "tool_calls", new Usage(364, 40),
            new ToolCall("call_3rqTYrA6H21AYUaRGP4F66oq", "get_country", "{}"),
            new ToolCall("call_Xw9XMKBJU48kAAd78WgIswDx", "get_product_name", "{}")),
        new("_derived_sse/pydantic-ai__test_complex_agent_run_sequential_tool__interaction1.sse", "chatcmpl-C1KMJC4uUHgeJ4A0e8jM8wufrmdxX", null, "tool_calls", new Usage(423, 15),
            new ToolCall("call_Vz0Sie91Ap56nH0ThKGrZXT7", "get_weather", """{"city":"Mexico City"}""")),
        new("_derived_sse/pydantic-ai__test_complex_agent_run_sequential_tool__interaction2.sse", "chatcmpl-C1KMMrEA9QLIX25pFjKjoRdNkO0nN", null, "tool_calls", new Usage(448, 49),
            new ToolCall("call_4kc6691zCzjPnOuEtbEGUvz2", "final_result",
                """{"answers":[{"label":"Capital of the country","answer":"Mexico City"},{"label":"Weather in the capital","answer":"Sunny"},{"label":"Product Name","answer":"Pydantic AI"}]}""")),
        new("_derived_sse/pydantic-ai__test_run_stream_sync_streams_real_model__interaction0.sse", "chatcmpl-Dx0XpqH8w09uBXwq1zFGYdETjtnEl", null, "tool_calls", new Usage(53, 15),
            new ToolCall("call_ZR5UUuTt3pf61kjwAJIYdVMj", "get_capital", """{"country":"UK"}""")),
        new("_derived_sse/pydantic-ai__test_run_stream_sync_streams_real_model__interaction1.sse", "chatcmpl-Dx0Xq5Xx9rHB2ehcHZCRDsnuymUXc",
            Exactly("The capital of the UK is London."), "stop", new Usage(78, 9)),
        new("openai-python/chat_stream__test_allows_non_strict_tools_but_no_parsing__2018feb66ae1.sse", "chatcmpl-ABfwERreu9s99xXsVuOWtIB2UOx62", null, "tool_calls", new Usage(44, 16),
            new ToolCall("call_4XzlGBLtUe9dy3GVNV4jhq7h", "get_weather", """{"city":"New York City"}""")),
        new("openai-python/chat_stream__test_content_logprobs_events__83b060bae42e.sse", "chatcmpl-ABfw5EzoqmfXjnnsXY7Yd8OC6tb3c",
            Exactly("Foo!"), "stop", new Usage(9, 2)),
        new("openai-python/chat_stream__test_non_pydantic_response_format__d61558011839.sse", "chatcmpl-ABfwCjPMi0ubw56UyMIIeNfJzyogq",
            new("\n  {\n    \"location\": \"San Francisco, CA\",\n    \"weather\": {\n ", "\"condition\": \"Cloudy\"\n      }\n    ]\n  }\n", 608), "stop", new Usage(19, 177)),
        new("openai-python/chat_stream__test_parse_max_tokens_reached__4cc50a6135d2.sse", "chatcmpl-ABfw3Oqj8RD0z6aJiiX37oTjV2HFh",
            Exactly("{\""), "length", new Usage(79, 1)),
        new("openai-python/chat_stream__test_parse_multiple_pydantic_tools_PARALLEL__f82268f2fefd.sse", "chatcmpl-ABfwAwrNePHUgBBezonVC6MX3zd63", null, "tool_calls", new Usage(149, 60),
            new ToolCall("call_JMW1whyEaYG438VE1OIflxA2", "GetWeatherArgs", """{"city": "Edinburgh", "country": "GB", "units": "c"}"""),
            new ToolCall("call_DNYTawLBoN8fj3KN6qU9N1Ou", "get_stock_price", """{"ticker": "AAPL", "exchange": "NASDAQ"}""")),
        new("openai-python/chat_stream__test_parse_nothing__e2aad469b71d.sse", "chatcmpl-ABfw031mOJeYCSHe4yI2ZjOA6kMJL",
            Exactly("I'm unable to provide real-time weather updates. To get the current weather in San Francisco, I recommend checking a reliable weather website or a weather app."),
            "stop", new Usage(14, 30)),
        new("openai-python/chat_stream__test_parse_pydantic_model__7e5ea4d12e7c.sse", "chatcmpl-ABfw1e5abtU8OwGr15vOreYVb2MiF",
            Exactly("""{"city":"San Francisco","temperature":61,"units":"f"}"""), "stop", new Usage(79, 14)),
        new("openai-python/chat_stream__test_parse_pydantic_model_refusal__173417d55340.sse", "chatcmpl-ABfw4IfQfCCrcuybFm41wJyxjbkz7",
            Exactly("I'm sorry, I can't assist with that request."), "stop", new Usage(79, 11)),
        new("openai-python/chat_stream__test_parse_pydantic_tool__c6aa7e397b71.sse", "chatcmpl-ABfw8AOXnoa2kzy11vVTSjuQhHCQr", null, "tool_calls", new Usage(76, 24),
            new ToolCall("call_c91SqDXlYFuETYv8mUHzz6pp", "GetWeatherArgs", """{"city":"Edinburgh","country":"UK","units":"c"}""")),
        new("openai-python/chat_stream__test_parse_strict_tools__a247c49c5fcd.sse", "chatcmpl-ABfwCgi41eStOcARjZq97ohCEGBPO", null, "tool_calls", new Usage(48, 19),
            new ToolCall("call_CTf1nWJLqSeRgDqaCG27xZ74", "get_weather", """{"city":"San Francisco","state":"CA"}""")),
        new("openai-python/chat_stream__test_refusal_logprobs_events__569c877e6942.sse", "chatcmpl-ABfw5GEVqPbLY576l46FZDQoNJ2KC",
            Exactly("I'm very sorry, but I can't assist with that."), "stop", new Usage(79, 12)),
        // dotnet/extensions edited these two recordings' usage numbers (reasoning 90, cached 5): they are what the files say.
        new("dotnet-extensions/chat__BasicRequestResponse_Streaming.response.sse", "chatcmpl-ADxFKtX6xIwdWRN42QvBj2u1RZpCK",
            Exactly("Hello! How can I assist you today?"), "stop", new Usage(8, 9, ReasoningTokens: 90, CachedTokens: 5)),
        new("dotnet-extensions/chat__FunctionCallContent_Streaming.response.sse", "chatcmpl-ADymNiWWeqCJqHNFXiI1QtRcLuXcl", null, "tool_calls", new Usage(61, 16, ReasoningTokens: 90),
            new ToolCall("call_F9ZaqPWo69u0urxAhVt8meDW", "GetPersonAge", """{"personName":"Alice"}""")),
        new("vercel-ai/chat/openai-text.chunks.txt", "chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0",
            new("**Holiday Name:** Harmony Day\n\n**Date:** Celebrated annually", "ed human experiences and mutual respect.", 1724), "stop", new Usage(16, 300)),
    };

    [Theory]
    [MemberData(nameof(Streams))]
    public async Task Chat_RecordedStream_ParsesTextToolCallsFinishReasonAndUsage(ChatStreamCase expected)
    {
        await using var server = await ReplayServer.StartAsync(new Replay(RecordedStreams.Chat(expected.Fixture)));

        var r = await Fixtures.Client().CompleteAsync(Fixtures.Request(server.BaseUrl), null, CancellationToken.None);

        if (expected.Content is null) Assert.Null(r.Assistant.Content);
        else expected.Content.Matches(r.Assistant.Content);
        Assert.Equal(expected.Calls, r.Assistant.ToolCalls ?? []);
        Assert.Equal((expected.ResponseId, expected.Finish, expected.Usage), (r.ResponseId, r.FinishReason, r.Usage));
    }

    /// <summary>Our chunk reader against the SDK's own model of a chunk, on the same recorded stream: the same response.</summary>
    [Theory]
    [MemberData(nameof(Streams))]
    public async Task Chat_RecordedStream_OurChunkReadingEqualsTheSdks(ChatStreamCase recording)
    {
        await using var server = await ReplayServer.StartAsync(new Replay(RecordedStreams.Chat(recording.Fixture)));

        var ours = await Fixtures.Client().CompleteAsync(Fixtures.Request(server.BaseUrl), null, CancellationToken.None);
        var sdks = await TypedSdkCall.CompleteAsync(Fixtures.Request(server.BaseUrl));

        Assert.Equal((sdks.ResponseId, sdks.Assistant.Content, sdks.FinishReason, sdks.Usage), (ours.ResponseId, ours.Assistant.Content, ours.FinishReason, ours.Usage));
        Assert.Equal(sdks.Assistant.ToolCalls ?? [], ours.Assistant.ToolCalls ?? []);
    }
}
