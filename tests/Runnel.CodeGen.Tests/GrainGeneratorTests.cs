using FluentAssertions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace Runnel.CodeGen.Tests;

public sealed class GrainGeneratorTests
{
    [Fact]
    public void ValidInterfaceAndSerializableType_GeneratedCodeCompilesWithoutDiagnostics()
    {
        var (output, diagnostics) = Run("""
            using Runnel; using Runnel.Serialization;
            namespace Sample;
            [GenerateSerializer] public sealed record Item([property: Id(0)] string Name, [property: Id(1)] long Offset);
            public interface IShelfGrain : IGrainWithStringKey
            {
                ValueTask<Item[]> ListAsync(int limit, CancellationToken cancellationToken);
                [ReadOnly] ValueTask<int> CountAsync();
                ValueTask PutAsync(Item item, ReadOnlyMemory<byte> blob, CancellationToken cancellationToken = default);
            }
            """);

        diagnostics.Should().BeEmpty();
        output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Should().BeEmpty();
        output.SyntaxTrees.Select(t => Path.GetFileName(t.FilePath)).Should().Contain(n => n.Contains("ShelfGrain")).And.Contain(n => n.Contains("ItemWireCodec"));
    }

    [Theory]
    [InlineData("ValueTask<System.IO.Stream> OpenAsync();", "RNL002")]
    [InlineData("ValueTask PutAsync(object value);", "RNL002")]
    [InlineData("Task<int> OldAsync();", "RNL001")]
    [InlineData("ValueTask<int> RefAsync(ref int value);", "RNL001")]
    [InlineData("ValueTask<int> GenericAsync<T>(T value);", "RNL001")]
    [InlineData("ValueTask<int> TokenFirstAsync(CancellationToken token, int value);", "RNL001")]
    [InlineData("int Count { get; }", "RNL001")]
    public void UnsupportedMember_ReportsABuildError(string member, string id)
    {
        var (_, diagnostics) = Run($$"""
            using Runnel;
            namespace Sample;
            public interface IBadGrain : IGrainWithStringKey { {{member}} }
            """);

        diagnostics.Should().Contain(d => d.Id == id && d.Severity == DiagnosticSeverity.Error);
    }

    [Theory]
    [InlineData("[Id(0)] public int A { get; set; } [Id(0)] public int B { get; set; }", "is used twice")]
    [InlineData("[Id(0)] public int A { get; }", "neither a constructor parameter nor settable")]
    [InlineData("[Id(0)] private int A { get; set; }", "must be public or internal")]
    public void InvalidSerializableType_ReportsRnl004(string members, string why)
    {
        var (_, diagnostics) = Run($$"""
            using Runnel.Serialization;
            namespace Sample;
            [GenerateSerializer] public sealed class Bad { {{members}} }
            """);

        diagnostics.Should().Contain(d => d.Id == "RNL004" && d.GetMessage().Contains(why));
    }

    private static (Compilation Output, IReadOnlyList<Diagnostic> Diagnostics) Run(string source)
    {
        var references = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => !a.IsDynamic && !string.IsNullOrEmpty(a.Location))
            .Select(a => MetadataReference.CreateFromFile(a.Location))
            .Append(MetadataReference.CreateFromFile(typeof(IGrain).Assembly.Location));
        var compilation = CSharpCompilation.Create(
            "Sample",
            [CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest)), CSharpSyntaxTree.ParseText("global using System; global using System.Threading; global using System.Threading.Tasks;")],
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var driver = CSharpGeneratorDriver.Create(new GrainGenerator());
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out var diagnostics);
        return (output, diagnostics);
    }
}
