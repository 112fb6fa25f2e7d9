#include "tools/dcm2png/inbreast_xml.h"

#include <expat.h>

#include <cmath>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace mammo::dcm2png {
namespace {

// An XML element as a plist needs it: its tag, its text and its child elements.
struct Element {
  std::string tag;
  std::string text;
  int line = 0;
  std::vector<Element> children;
};

// Expat's callbacks build the tree on a stack of open elements.
struct TreeBuilder {
  Element root;  // a placeholder whose one child is the document element
  std::vector<Element*> open = {&root};
  XML_Parser parser = nullptr;
};

void OnStart(void* data, const XML_Char* tag, const XML_Char** /*attributes*/) {
  auto* builder = static_cast<TreeBuilder*>(data);
  Element& parent = *builder->open.back();
  parent.children.push_back(
      Element{tag, "", static_cast<int>(XML_GetCurrentLineNumber(builder->parser)), {}});
  builder->open.push_back(&parent.children.back());
}

void OnEnd(void* data, const XML_Char* /*tag*/) {
  static_cast<TreeBuilder*>(data)->open.pop_back();
}

void OnText(void* data, const XML_Char* text, int length) {
  static_cast<TreeBuilder*>(data)->open.back()->text.append(text, static_cast<size_t>(length));
}

absl::StatusOr<Element> ParseTree(absl::string_view text, const std::string& source) {
  TreeBuilder builder;
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate(nullptr),
                                                                      &XML_ParserFree);
  if (parser == nullptr) return absl::ResourceExhaustedError("expat: cannot create a parser");
  builder.parser = parser.get();
  XML_SetUserData(parser.get(), &builder);
  XML_SetElementHandler(parser.get(), OnStart, OnEnd);
  XML_SetCharacterDataHandler(parser.get(), OnText);
  // The plist DOCTYPE names Apple's DTD by URL; expat reads no external entity unless told to.
  if (XML_Parse(parser.get(), text.data(), static_cast<int>(text.size()), XML_TRUE) ==
      XML_STATUS_ERROR) {
    return absl::DataLossError(absl::StrCat(source, ":", XML_GetCurrentLineNumber(parser.get()),
                                            ": not well-formed XML (",
                                            XML_ErrorString(XML_GetErrorCode(parser.get())), ")"));
  }
  if (builder.root.children.size() != 1) {
    return absl::DataLossError(absl::StrCat(source, ":1: no document element"));
  }
  return std::move(builder.root.children.front());
}

// The value that follows <key>name</key> among a dict's children, or nullptr.
const Element* Lookup(const Element& dict, absl::string_view name) {
  for (size_t i = 0; i + 1 < dict.children.size(); ++i) {
    const Element& key = dict.children[i];
    if (key.tag == "key" && absl::StripAsciiWhitespace(key.text) == name) {
      return &dict.children[i + 1];
    }
  }
  return nullptr;
}

// "(1593.4, 2180.79)": x first, as OsiriX writes it.
bool ParsePoint(absl::string_view text, cv::Point2d& point) {
  text = absl::StripAsciiWhitespace(text);
  if (!absl::ConsumePrefix(&text, "(") || !absl::ConsumeSuffix(&text, ")")) return false;
  const std::vector<absl::string_view> parts = absl::StrSplit(text, ',');
  return parts.size() == 2 && absl::SimpleAtod(parts[0], &point.x) &&
         absl::SimpleAtod(parts[1], &point.y) && std::isfinite(point.x) && std::isfinite(point.y);
}

InbreastRoi ReadRoi(const Element& dict, int index) {
  InbreastRoi roi;
  roi.index = index;
  roi.line = dict.line;
  if (const Element* name = Lookup(dict, "Name"); name != nullptr && name->tag == "string") {
    roi.name = std::string(absl::StripAsciiWhitespace(name->text));
  }
  const Element* points = Lookup(dict, "Point_px");
  if (dict.tag != "dict" || points == nullptr || points->tag != "array") {
    roi.problem = "no Point_px array";
    return roi;
  }
  for (const Element& point : points->children) {
    cv::Point2d p;
    if (point.tag != "string" || !ParsePoint(point.text, p)) {
      roi.problem = absl::StrCat("line ", point.line, ": Point_px value '",
                                 absl::StripAsciiWhitespace(point.text), "' is not (x, y)");
      return roi;
    }
    roi.points.push_back(p);
  }
  return roi;
}

}  // namespace

absl::StatusOr<std::vector<InbreastRoi>> ParseInbreastXml(absl::string_view text,
                                                          const std::string& source) {
  absl::StatusOr<Element> plist = ParseTree(text, source);
  if (!plist.ok()) return plist.status();
  auto shape_error = [&](int line, absl::string_view what) {
    return absl::DataLossError(absl::StrCat(source, ":", line, ": ", what));
  };
  if (plist->tag != "plist" || plist->children.size() != 1 || plist->children[0].tag != "dict") {
    return shape_error(plist->line, "not a plist holding one dict");
  }
  const Element& top = plist->children[0];
  const Element* images = Lookup(top, "Images");
  if (images == nullptr || images->tag != "array") {
    return shape_error(top.line, "the plist has no Images array");
  }
  std::vector<InbreastRoi> rois;
  for (const Element& image : images->children) {
    const Element* image_rois = image.tag == "dict" ? Lookup(image, "ROIs") : nullptr;
    if (image_rois == nullptr || image_rois->tag != "array") {
      return shape_error(image.line, "an Images entry without a ROIs array");
    }
    for (const Element& dict : image_rois->children) {
      rois.push_back(ReadRoi(dict, static_cast<int>(rois.size()) + 1));
    }
  }
  return rois;
}

}  // namespace mammo::dcm2png
