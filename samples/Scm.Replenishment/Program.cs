using Scm.Replenishment;

StoryOptions options;
try
{
    options = StoryOptions.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(StoryOptions.Usage);
    return 2;
}

if (options.Help)
{
    Console.WriteLine(StoryOptions.Usage);
    return 0;
}

try
{
    var report = await ScmStory.RunAsync(options);
    if (options.Json)
    {
        ReportWriter.WriteJson(report, Console.Out);
    }
    else
    {
        ReportWriter.WriteText(report, Console.Out);
    }

    return 0;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
