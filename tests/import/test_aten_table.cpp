// The ATen import table: every schema parses, defaults are right, fixture targets are covered.
#include <catch2/catch.hpp>

#include "frontend/AtenSchema.h"
#include "frontend/ImportContext.h"
#include "frontend/Importer.h"

using namespace aotc;

TEST_CASE("schema parser reads ATen signatures with defaults") {
  auto s = parse_op_schema(
      "max_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], int[2] padding=0, int[2] dilation=1, bool "
      "ceil_mode=False) -> Tensor");
  REQUIRE(s);
  CHECK(s->name == "max_pool2d");
  CHECK(s->overload == "default");
  REQUIRE(s->params.size() == 6);
  CHECK(s->params[1].list_size == 2);
  CHECK(s->params[2].default_value.ints.empty());
  CHECK(s->params[3].default_value.ints == std::vector<int64_t>{0, 0});
  CHECK(s->params[5].default_value.bools == std::vector<bool>{false});

  auto t = parse_op_schema("gelu(Tensor self, *, str approximate='none') -> Tensor");
  REQUIRE(t);
  CHECK(t->params[1].kwarg_only);
  CHECK(t->params[1].default_value.strings == std::vector<std::string>{"none"});

  auto u = parse_op_schema("split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) -> Tensor(a)[]");
  REQUIRE(u);
  CHECK(u->overload == "Tensor");
  CHECK(u->returns_list);

  auto v = parse_op_schema("max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)");
  REQUIRE(v);
  CHECK(v->num_returns == 2);

  auto w = parse_op_schema("index.Tensor(Tensor self, Tensor?[] indices) -> Tensor");
  REQUIRE(w);
  CHECK(w->params[1].type == SchemaType::kOptionalTensorList);

  CHECK_FALSE(parse_op_schema("broken(Tensor self").has_value());
  CHECK_FALSE(parse_op_schema("f(Widget w) -> Tensor").has_value());
}

TEST_CASE("every fixture target is in the import table") {
  // The targets the shared fixtures use (from their info.json files).
  for (const char* t : {"aten.linear.default", "aten.relu.default", "aten.sigmoid.default", "aten.permute.default",
                        "aten.addmm.default", "aten.silu.default", "aten.conv2d.default", "aten.batch_norm.default",
                        "aten.max_pool2d.default", "aten.adaptive_avg_pool2d.default", "aten.flatten.using_ints",
                        "aten.log_softmax.int", "aten.layer_norm.default", "aten.split.Tensor", "aten.view.default",
                        "aten.transpose.int", "aten.scaled_dot_product_attention.default", "aten.add.Tensor",
                        "aten.gelu.default", "aten.relu_.default", "aten.add_.Tensor"}) {
    INFO(t);
    const AtenOpEntry* e = find_aten_op(t);
    REQUIRE(e != nullptr);
    CHECK(aten_schema(*e).params.size() > 0);
  }
  CHECK(find_aten_op("aten.not_an_op.default") == nullptr);
  CHECK(normalize_target("torch.ops.aten.add.Tensor") == "aten.add.Tensor");
}
