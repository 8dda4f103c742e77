// test_image_data.cpp — image files as data: header reading and decoding of every format this
// OpenCV build writes (channel order, grey, 16-bit, float, alpha), refusal of corrupt, truncated,
// empty and oversized files, fitting to the model input, image-folder data sets and their
// splits, random-resized crops, and train / eval / inspect / classify on a generated folder.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "classify/classifier.hpp"
#include "data/batch_loader.hpp"
#include "data/data_source.hpp"
#include "data/image_decode.hpp"
#include "data/image_folder.hpp"
#include "data/image_header.hpp"

#include "test_files.hpp"

namespace {

using namespace relunet::test;

namespace fs = std::filesystem;
using relunet::decode_rgb;
using relunet::FitMode;
using relunet::ImageFormat;
using relunet::SplitName;

void write_image(const fs::path& path, const cv::Mat& image, const std::vector<int>& params = {}) {
  fs::create_directories(path.parent_path());
  if (!cv::imwrite(path.string(), image, params))
    throw std::runtime_error("cannot write " + path.string());
}

relunet::ImageHeader header_of(const fs::path& path) {
  const std::string bytes = read_bytes(path);
  return relunet::read_image_header(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

// Every pixel of `rgb` within `tolerance` of `expected` (R, G, B).
::testing::AssertionResult all_pixels_near(const cv::Mat& rgb, cv::Vec3b expected, int tolerance) {
  if (rgb.type() != CV_8UC3)
    return ::testing::AssertionFailure() << "type " << rgb.type() << " is not CV_8UC3";
  for (int y = 0; y < rgb.rows; ++y)
    for (int x = 0; x < rgb.cols; ++x)
      for (int c = 0; c < 3; ++c)
        if (std::abs(rgb.at<cv::Vec3b>(y, x)[c] - expected[c]) > tolerance)
          return ::testing::AssertionFailure()
                 << "pixel (" << x << ", " << y << ") is " << rgb.at<cv::Vec3b>(y, x)
                 << ", expected " << expected << " +-" << tolerance;
  return ::testing::AssertionSuccess();
}

// The message of the std::runtime_error `f` throws ("" if none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

class ImageData : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "relunet_images_XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  fs::path dir_;
};

// ---- Decoding
// ------------------------------------------------------------------------------------

// Colour (R, G, B) = (200, 100, 10), written in OpenCV's B, G, R order, 37 wide and 33 high
// (JPEG 2000's default six resolution levels need at least 32 pixels).
TEST_F(ImageData, EveryWritableFormatDecodesToRgbWithItsHeaderSize) {
  const cv::Mat bgr(33, 37, CV_8UC3, cv::Scalar(10, 100, 200));
  cv::Mat bgr_float;
  bgr.convertTo(bgr_float, CV_32F, 1 / 255.0);
  struct Case {
    std::string ext;
    ImageFormat format;
    bool floating;
    int tolerance;  // lossy codecs
  };
  const std::vector<Case> cases = {
      {".png", ImageFormat::Png, false, 0},   {".jpg", ImageFormat::Jpeg, false, 4},
      {".bmp", ImageFormat::Bmp, false, 0},   {".tiff", ImageFormat::Tiff, false, 0},
      {".webp", ImageFormat::WebP, false, 4}, {".jp2", ImageFormat::Jpeg2000, false, 2},
      {".ppm", ImageFormat::Pnm, false, 0},   {".sr", ImageFormat::SunRaster, false, 0},
      {".hdr", ImageFormat::Hdr, true, 2},    {".pfm", ImageFormat::Pfm, true, 1},
      {".exr", ImageFormat::Exr, true, 1},    {".tif", ImageFormat::Tiff, true, 1}};
  int tested = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.ext);
    const fs::path path = dir_ / ("image" + c.ext);
    if (!cv::haveImageWriter(path.string())) continue;
    write_image(path, c.floating ? bgr_float : bgr);
    const relunet::ImageHeader header = header_of(path);
    EXPECT_EQ(header.format, c.format);
    EXPECT_EQ(header.width, 37);
    EXPECT_EQ(header.height, 33);
    const cv::Mat rgb = decode_rgb(path.string());
    EXPECT_EQ(rgb.size(), cv::Size(37, 33));
    EXPECT_TRUE(all_pixels_near(rgb, {200, 100, 10}, c.tolerance));
    ++tested;
  }
  EXPECT_GE(tested, 5) << "PNG, JPEG, BMP, TIFF and PPM are always built";
}

// PPM and PAM store R, G, B on disk; written by hand, they check the channel order independently
// of OpenCV's encoders (its PAM reader, unlike the others, returns R, G, B).
// A vertical tab between header tokens: the tokenizer skipped only four kinds of whitespace but
// ended tokens at any, so it returned "" forever and the PAM header loop never ended.
TEST(ImageHeader, PamHeaderWithAVerticalTabEnds) {
  const std::string pam = "P7\vWIDTH 5\nHEIGHT 3\nDEPTH 3\nMAXVAL 255\nENDHDR\n";
  const relunet::ImageHeader h =
      relunet::read_image_header(reinterpret_cast<const uint8_t*>(pam.data()), pam.size());
  EXPECT_EQ(h.format, relunet::ImageFormat::Pam);
  EXPECT_EQ(h.width, 5);
  EXPECT_EQ(h.height, 3);
}

TEST_F(ImageData, HandWrittenPpmAndPamKeepTheirRgbBytes) {
  const std::string pixels = {char(255), 0, 0, 0, char(255), 0, 0, 0, char(255), 1, 2, 3};
  write_bytes(dir_ / "a.ppm", "P6\n# comment\n2 2\n255\n" + pixels);
  write_bytes(dir_ / "a.pam",
              "P7\nWIDTH 2\nHEIGHT 2\nDEPTH 3\nMAXVAL 255\nTUPLTYPE RGB\nENDHDR\n" + pixels);
  for (const char* name : {"a.ppm", "a.pam"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(header_of(dir_ / name).width, 2);
    const cv::Mat rgb = decode_rgb((dir_ / name).string());
    ASSERT_EQ(rgb.size(), cv::Size(2, 2));
    EXPECT_EQ(std::string(rgb.ptr<char>(0), 6) + std::string(rgb.ptr<char>(1), 6), pixels);
  }
}

TEST_F(ImageData, GreyBecomesThreeEqualChannels) {
  write_image(dir_ / "grey.png", cv::Mat(5, 7, CV_8UC1, cv::Scalar(77)));
  write_image(dir_ / "grey.jpg", cv::Mat(5, 7, CV_8UC1, cv::Scalar(77)));
  EXPECT_TRUE(all_pixels_near(decode_rgb((dir_ / "grey.png").string()), {77, 77, 77}, 0));
  EXPECT_TRUE(all_pixels_near(decode_rgb((dir_ / "grey.jpg").string()), {77, 77, 77}, 2));
}

TEST_F(ImageData, SixteenBitAndFloatSamplesAreScaledToEightBits) {
  write_image(dir_ / "deep.png", cv::Mat(4, 4, CV_16UC3, cv::Scalar(1000, 30000, 65535)));
  EXPECT_TRUE(all_pixels_near(decode_rgb((dir_ / "deep.png").string()), {255, 117, 4}, 0));
  write_image(dir_ / "grey16.png", cv::Mat(4, 4, CV_16UC1, cv::Scalar(257 * 40)));
  EXPECT_TRUE(all_pixels_near(decode_rgb((dir_ / "grey16.png").string()), {40, 40, 40}, 0));
  // Floats are taken as 0..1 and saturated outside. (PFM stores floats exactly; OpenCV writes
  // float TIFF with lossy LogLuv compression.)
  write_image(dir_ / "float.pfm", cv::Mat(4, 4, CV_32FC3, cv::Scalar(-0.5, 0.2, 1.5)));
  EXPECT_TRUE(all_pixels_near(decode_rgb((dir_ / "float.pfm").string()), {255, 51, 0}, 0));
}

TEST_F(ImageData, AlphaIsCompositedOnWhite) {
  cv::Mat bgra(2, 3, CV_8UC4);
  const cv::Vec4b red_alpha[3] = {{0, 0, 255, 0}, {0, 0, 255, 128}, {0, 0, 255, 255}};
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 3; ++x) bgra.at<cv::Vec4b>(y, x) = red_alpha[x];
  write_image(dir_ / "alpha.png", bgra);
  const cv::Mat rgb = decode_rgb((dir_ / "alpha.png").string());
  EXPECT_EQ(rgb.at<cv::Vec3b>(1, 0), cv::Vec3b(255, 255, 255));  // transparent: white
  EXPECT_EQ(rgb.at<cv::Vec3b>(1, 1), cv::Vec3b(255, 127, 127));  // half: (255 * 127 + 127) / 255
  EXPECT_EQ(rgb.at<cv::Vec3b>(1, 2), cv::Vec3b(255, 0, 0));      // opaque red
  write_image(dir_ / "alpha16.png", cv::Mat(2, 2, CV_16UC4, cv::Scalar(0, 65535, 0, 65535)));
  EXPECT_TRUE(all_pixels_near(decode_rgb((dir_ / "alpha16.png").string()), {0, 255, 0}, 0));
}

TEST_F(ImageData, OnePixelImagesDecodeAndEnlarge) {
  write_image(dir_ / "dot.png", cv::Mat(1, 1, CV_8UC3, cv::Scalar(1, 2, 3)));
  const cv::Mat rgb = decode_rgb((dir_ / "dot.png").string());
  ASSERT_EQ(rgb.size(), cv::Size(1, 1));
  for (FitMode mode : {FitMode::Resize, FitMode::CenterCrop}) {
    const cv::Mat input = relunet::to_model_input(rgb, 32, 24, mode);
    EXPECT_EQ(input.size(), cv::Size(24, 32));
    EXPECT_TRUE(all_pixels_near(input, {3, 2, 1}, 0));
  }
}

TEST_F(ImageData, BadFilesAreErrorsNamingTheFileAndTheProblem) {
  cv::Mat image(40, 60, CV_8UC3);
  cv::randu(image, 0, 256);  // noise: the JPEG's scan data is most of the file
  write_image(dir_ / "good.jpg", image);
  const std::string jpeg = read_bytes(dir_ / "good.jpg");
  write_bytes(dir_ / "truncated.jpg", jpeg.substr(0, jpeg.size() / 2));
  write_bytes(dir_ / "header-only.jpg", jpeg.substr(0, 20));
  write_bytes(dir_ / "no-end-marker.jpg", jpeg.substr(0, jpeg.size() - 2));
  write_bytes(dir_ / "trailing-data.jpg", jpeg + "appended by some camera");
  EXPECT_EQ(decode_rgb((dir_ / "trailing-data.jpg").string()).size(), cv::Size(60, 40));
  write_image(dir_ / "good.png", image);
  const std::string png = read_bytes(dir_ / "good.png");
  std::string corrupt = png;
  for (size_t i = 40; i < corrupt.size(); ++i) corrupt[i] = char(i * 7);
  write_bytes(dir_ / "corrupt.png", corrupt);
  write_bytes(dir_ / "truncated.png", png.substr(0, png.size() - 30));
  write_bytes(dir_ / "empty.png", "");
  write_bytes(dir_ / "text.png", "just some text, not an image\n");
  fs::create_directories(dir_ / "folder.png");

  const std::vector<std::pair<std::string, std::string>> cases = {
      {"truncated.jpg", "truncated JPEG"},
      {"header-only.jpg", "malformed JPEG header"},
      {"no-end-marker.jpg", "truncated JPEG"},
      {"corrupt.png", "corrupt or truncated PNG"},
      {"truncated.png", "corrupt or truncated PNG"},
      {"empty.png", "empty file"},
      {"text.png", "not an image file"},
      {"missing.png", "no such file"},
      {"folder.png", "is a directory"}};
  for (const auto& [name, problem] : cases) {
    const std::string path = (dir_ / name).string();
    const std::string message = error_of([&] { decode_rgb(path); });
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(problem), std::string::npos) << message;
  }
}

// A PNG header claiming 20000 x 20000 pixels is refused before a decoder allocates 1.2 GB.
TEST_F(ImageData, HugePngIsRefusedBeforeDecoding) {
  write_image(dir_ / "small.png", cv::Mat(2, 2, CV_8UC3, cv::Scalar::all(0)));
  std::string huge = read_bytes(dir_ / "small.png");
  const char size[8] = {0, 0, 0x4E, 0x20, 0, 0, 0x4E, 0x20};  // 20000, 20000 big-endian
  std::copy(size, size + 8, huge.begin() + 16);
  write_bytes(dir_ / "huge.png", huge);
  EXPECT_EQ(header_of(dir_ / "huge.png").width, 20000);
  const std::string message = error_of([&] { decode_rgb((dir_ / "huge.png").string()); });
  EXPECT_NE(message.find("20000x20000 pixels is over the limit"), std::string::npos) << message;
}

// Over the limit, a single-scan JPEG is decoded at the largest of 1/2, 1/4, 1/8 scale that fits;
// a progressive one (which libjpeg buffers at full size) is refused.
TEST_F(ImageData, LargeJpegIsDecodedReducedWithinThePixelLimit) {
  const cv::Mat image(48, 64, CV_8UC3, cv::Scalar(0, 128, 255));
  write_image(dir_ / "baseline.jpg", image);
  write_image(dir_ / "progressive.jpg", image, {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  EXPECT_EQ(decode_rgb((dir_ / "baseline.jpg").string(), 64 * 48).size(), cv::Size(64, 48));
  EXPECT_EQ(decode_rgb((dir_ / "baseline.jpg").string(), 64 * 48 / 4).size(), cv::Size(32, 24));
  EXPECT_EQ(decode_rgb((dir_ / "baseline.jpg").string(), 100).size(), cv::Size(8, 6));
  EXPECT_NE(
      error_of([&] { decode_rgb((dir_ / "baseline.jpg").string(), 47); }).find("over the limit"),
      std::string::npos);
  EXPECT_FALSE(header_of(dir_ / "progressive.jpg").single_scan);
  EXPECT_EQ(decode_rgb((dir_ / "progressive.jpg").string(), 64 * 48).size(), cv::Size(64, 48));
  EXPECT_NE(error_of([&] {
              decode_rgb((dir_ / "progressive.jpg").string(), 1000);
            }).find("over the limit"),
            std::string::npos);
}

// A baseline JPEG whose frame header claims 20000 x 20000 (its scan data is that of an 8 x 8
// image: libjpeg fills the rest with grey) decodes at 1/4 scale (25 Mpx, under the 64 Mpx limit)
// in memory for the reduced image only.
TEST_F(ImageData, TwentyThousandSquareJpegDecodesInBoundedMemory) {
  write_image(dir_ / "small.jpg", cv::Mat(8, 8, CV_8UC3, cv::Scalar::all(90)));
  std::string jpeg = read_bytes(dir_ / "small.jpg");
  const size_t sof = jpeg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  const char size[4] = {0x4E, 0x20, 0x4E, 0x20};
  std::copy(size, size + 4, jpeg.begin() + long(sof) + 5);
  write_bytes(dir_ / "huge.jpg", jpeg);
  // Peak RSS is per process: if an earlier test peaked higher, this check cannot fail.
  const long rss_before = peak_rss_kib();
  const cv::Mat rgb = decode_rgb((dir_ / "huge.jpg").string());
  EXPECT_EQ(rgb.size(), cv::Size(5000, 5000));
  EXPECT_LT(peak_rss_kib() - rss_before, 200 * 1024) << "KiB of peak memory growth";
}

TEST_F(ImageData, ModelInputResizesWithAreaOrCropsTheCentre) {
  // Columns 0-15 and 48-63 red, 16-47 blue: the centred square is all blue.
  cv::Mat rgb(32, 64, CV_8UC3, cv::Scalar(255, 0, 0));
  rgb(cv::Rect(16, 0, 32, 32)).setTo(cv::Scalar(0, 0, 255));
  EXPECT_TRUE(
      all_pixels_near(relunet::to_model_input(rgb, 8, 8, FitMode::CenterCrop), {0, 0, 255}, 0));
  const cv::Mat resized = relunet::to_model_input(rgb, 8, 8, FitMode::Resize);
  EXPECT_EQ(resized.at<cv::Vec3b>(4, 0), cv::Vec3b(255, 0, 0));
  EXPECT_EQ(resized.at<cv::Vec3b>(4, 4), cv::Vec3b(0, 0, 255));
  // Area interpolation averages every source pixel: one lit column in four gives a quarter.
  cv::Mat stripes(32, 32, CV_8UC3, cv::Scalar::all(0));
  for (int x = 0; x < 32; x += 4) stripes.col(x).setTo(cv::Scalar::all(255));
  EXPECT_TRUE(
      all_pixels_near(relunet::to_model_input(stripes, 8, 8, FitMode::Resize), {64, 64, 64}, 1));
  // Already the right size: the same pixels, not a copy.
  EXPECT_EQ(relunet::to_model_input(stripes, 32, 32, FitMode::Resize).data, stripes.data);
}

// ---- Image-folder data sets
// ----------------------------------------------------------------------

TEST_F(ImageData, FlatFolderListsClassesAndImagesSortedAndCarvesASeededSplit) {
  const cv::Mat image(6, 9, CV_8UC3, cv::Scalar(1, 2, 3));
  for (const char* f :
       {"dog/b.png", "dog/a.JPG", "cat/z.bmp", "cat/nested/y.tiff", "cat/x.webp", "bird/only.png"})
    write_image(dir_ / f, image, {});
  write_bytes(dir_ / "cat/notes.txt", "not an image");
  write_bytes(dir_ / "cat/.DS_Store", "hidden");
  write_bytes(dir_ / "README", "stray file next to the classes");

  const auto data = relunet::open_dataset(dir_.string(), SplitName::Train);
  EXPECT_EQ(data->class_names(), (std::vector<std::string>{"bird", "cat", "dog"}));
  const auto& folder = dynamic_cast<const relunet::ImageFolder&>(*data);
  const std::vector<std::string> expected = {"bird/only.png", "cat/nested/y.tiff", "cat/x.webp",
                                             "cat/z.bmp",     "dog/a.JPG",         "dog/b.png"};
  ASSERT_EQ(folder.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(folder.file(i), (dir_ / expected[i]).string());
    EXPECT_EQ(folder.label(i), i == 0 ? 0 : i < 4 ? 1 : 2);
  }
  EXPECT_FALSE(folder.has_val_folder());
  EXPECT_TRUE(all_pixels_near(folder.image(5), {3, 2, 1}, 0));

  const auto train = relunet::split_indices(*data, SplitName::Train, 2, 7);
  const auto val = relunet::split_indices(*data, SplitName::Val, 2, 7);
  EXPECT_EQ(train.size(), 4u);
  EXPECT_EQ(val.size(), 2u);
  std::vector<size_t> all(train);
  all.insert(all.end(), val.begin(), val.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<size_t>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(relunet::split_indices(*data, SplitName::Val, 2, 7), val) << "same seed, same split";

  const std::string message =
      error_of([&] { relunet::open_dataset(dir_.string(), SplitName::Test); });
  EXPECT_NE(message.find("has no test images"), std::string::npos) << message;
}

TEST_F(ImageData, TrainValTestFoldersGiveTheSplits) {
  const cv::Mat image(5, 5, CV_8UC3, cv::Scalar::all(9));
  for (const char* f : {"train/a/1.png", "train/a/2.png", "train/b/1.png", "train/c/1.png",
                        "val/c/1.png", "val/a/1.png", "test/b/1.png", "test/b/2.png"})
    write_image(dir_ / f, image);

  const auto data = relunet::open_dataset(dir_.string(), SplitName::Val);
  EXPECT_EQ(data->class_names(), (std::vector<std::string>{"a", "b", "c"}));
  const auto train = relunet::split_indices(*data, SplitName::Train, 1000, 1);
  const auto val = relunet::split_indices(*data, SplitName::Val, 1000, 1);
  ASSERT_EQ(train.size(), 4u);
  ASSERT_EQ(val.size(), 2u);
  const auto& folder = dynamic_cast<const relunet::ImageFolder&>(*data);
  EXPECT_EQ(folder.file(val[0]), (dir_ / "val/a/1.png").string());
  EXPECT_EQ(folder.label(val[0]), 0);
  EXPECT_EQ(folder.label(val[1]), 2);
  for (size_t i : train) EXPECT_EQ(folder.file(i).rfind((dir_ / "train").string(), 0), 0u);

  const auto test = relunet::open_dataset(dir_.string(), SplitName::Test);
  EXPECT_EQ(test->class_names(), data->class_names()) << "labels follow the training classes";
  ASSERT_EQ(test->size(), 2u);
  EXPECT_EQ(test->label(0), 1);
  EXPECT_EQ(relunet::split_indices(*test, SplitName::Test, 1000, 1).size(), 2u);
}

TEST_F(ImageData, BadFolderLayoutsAreErrorsNamingTheFolder) {
  auto error_opening = [&](const fs::path& dir, SplitName split = SplitName::Train) {
    return error_of([&] { relunet::open_dataset(dir.string(), split); });
  };
  const cv::Mat image(5, 5, CV_8UC3, cv::Scalar::all(9));
  fs::create_directories(dir_ / "empty");
  EXPECT_NE(error_opening(dir_ / "empty").find("neither CIFAR-10"), std::string::npos);

  write_image(dir_ / "no-images/a/1.png", image);
  write_bytes(dir_ / "no-images/b/readme.txt", "text");
  std::string message = error_opening(dir_ / "no-images");
  EXPECT_NE(message.find("class folder " + (dir_ / "no-images/b").string() + " has no image files"),
            std::string::npos)
      << message;

  write_image(dir_ / "unknown-val/train/a/1.png", image);
  write_image(dir_ / "unknown-val/val/zebra/1.png", image);
  message = error_opening(dir_ / "unknown-val");
  EXPECT_NE(
      message.find((dir_ / "unknown-val/val/zebra").string() + " is not one of the 1 classes"),
      std::string::npos)
      << message;

  write_image(dir_ / "no-test/train/a/1.png", image);
  message = error_opening(dir_ / "no-test", SplitName::Test);
  EXPECT_NE(message.find((dir_ / "no-test/test/<class>").string()), std::string::npos) << message;
}

// Images larger than the input get a random-resized crop when augmenting (not the zero-padded
// crop smaller images get): different crops per epoch, reproducible from the seed; evaluation
// resizes the whole image deterministically.
TEST_F(ImageData, LoaderCropsLargeImagesRandomlyAndReproducibly) {
  cv::Mat gradient(48, 64, CV_8UC3);
  for (int y = 0; y < 48; ++y)
    for (int x = 0; x < 64; ++x)
      gradient.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(4 * x + 2), uchar(5 * y + 1), 128);
  write_image(dir_ / "data/a/g.png", gradient);
  const auto data = relunet::open_dataset((dir_ / "data").string(), SplitName::Train);
  auto batches = [&](relunet::Augmentation augment, uint64_t seed) {
    relunet::BatchLoader loader(*data, {0}, relunet::Normalization{},
                                {1, 16, 16, augment, true, false, seed});
    std::vector<std::vector<float>> epochs;
    for (int epoch = 0; epoch < 3; ++epoch) {
      relunet::Batch batch;
      loader.start_epoch(epoch);
      EXPECT_TRUE(loader.next(batch));
      epochs.emplace_back(batch.images, batch.images + 3 * 16 * 16);
    }
    return epochs;
  };
  const auto augmented = batches({4, false}, 5);
  EXPECT_EQ(augmented, batches({4, false}, 5));
  EXPECT_NE(augmented[0], augmented[1]);
  EXPECT_NE(augmented[1], augmented[2]);
  for (const auto& epoch : augmented)
    EXPECT_GT(*std::min_element(epoch.begin(), epoch.end()), 0.f) << "no padding";

  const auto plain = batches({0, false}, 5);
  EXPECT_EQ(plain[0], plain[1]);
  const cv::Mat expected = relunet::to_model_input(decode_rgb((dir_ / "data/a/g.png").string()), 16,
                                                   16, FitMode::Resize);
  for (int y = 0; y < 16; ++y)  // the blue plane holds the horizontal gradient
    for (int x = 0; x < 16; ++x)
      ASSERT_FLOAT_EQ(plain[0][2 * 256 + size_t(y) * 16 + x],
                      expected.at<cv::Vec3b>(y, x)[2] / 255.f);
}

TEST_F(ImageData, TopClassesAreLargestFirstTiesInLabelOrderClamped) {
  const auto top = relunet::top_classes({0.1, 0.4, 0.1, 0.4}, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].label, 1);
  EXPECT_EQ(top[1].label, 3);
  EXPECT_EQ(top[2].label, 0);
  EXPECT_EQ(relunet::top_classes({0.5, 0.5}, 10).size(), 2u);
}

// ---- The relunet binary on a generated image folder
// ----------------------------------------------


// Three colour classes: each image its class colour shifted per image and per pixel, in one of
// five formats and a random size around the model's 24 x 24 input.
const std::vector<std::string> kColours = {"blue", "green", "red"};
const std::vector<std::string> kFormats = {".png", ".jpg", ".bmp", ".tiff", ".webp"};

void write_colour_images(const fs::path& dir, int per_class, std::mt19937& rng) {
  std::uniform_int_distribution<int> side(20, 56), shift(-40, 40), noise(-50, 50);
  for (size_t k = 0; k < kColours.size(); ++k)
    for (int i = 0; i < per_class; ++i) {
      cv::Mat bgr(side(rng), side(rng), CV_8UC3);
      cv::Vec3i base(60, 60, 60);
      base[int(k)] = 190;  // B, G or R
      for (int c = 0; c < 3; ++c) base[c] += shift(rng);
      for (auto it = bgr.begin<cv::Vec3b>(); it != bgr.end<cv::Vec3b>(); ++it)
        for (int c = 0; c < 3; ++c) (*it)[c] = cv::saturate_cast<uchar>(base[c] + noise(rng));
      const fs::path file =
          dir / kColours[k] / (std::to_string(i) + kFormats[size_t(i) % kFormats.size()]);
      if (!cv::haveImageWriter(file.string())) continue;
      write_image(file, bgr);
    }
}

// Written for 10 classes: a new run sizes its final layer for the folder's 3.
const char* const kModel = R"({
  "name": "tiny-colours", "input": {"channels": 3, "height": 24, "width": 24}, "classes": 10,
  "layers": [
    {"type": "conv", "filters": 8, "kernel": 3, "pad": 1}, {"type": "relu"}, {"type": "maxpool", "kernel": 2},
    {"type": "conv", "filters": 16, "kernel": 3, "pad": 1}, {"type": "relu"}, {"type": "maxpool", "kernel": 2},
    {"type": "fc", "units": 32}, {"type": "relu"}, {"type": "fc", "units": 10}]})";

TEST_F(ImageData, TrainEvalInspectAndClassifyOnAnImageFolder) {
  std::mt19937 rng(11);
  const fs::path data = dir_ / "colours";
  write_colour_images(data / "train", 40, rng);
  write_colour_images(data / "val", 8, rng);
  write_colour_images(data / "test", 8, rng);
  write_bytes(dir_ / "model.json", kModel);

  const fs::path run = dir_ / "run";
  Output o = run_relunet(
      dir_, {"train", "--model", (dir_ / "model.json").string(), "--data", data.string(),
             "--epochs", "6", "--batch", "8", "--lr", "0.02", "--out", run.string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.err.find("has 3 classes: the final layer 'fc2' of the model " + (dir_ / "model.json").string() +
                       " (10 classes) has 3 units in this run"),
            std::string::npos)
      << o.err;
  const std::string checkpoint = (run / "best.ckpt").string();

  o = run_relunet(dir_, {"eval", "--checkpoint", checkpoint, "--data", data.string(), "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const nlohmann::json eval = nlohmann::json::parse(o.out);
  EXPECT_EQ(eval.at("classes"), kColours);
  EXPECT_EQ(eval.at("images"), 24);
  EXPECT_GT(eval.at("accuracy").get<double>(), 0.6) << "chance is 1/3";

  o = run_relunet(dir_, {"inspect", "--checkpoint", checkpoint, "--data", data.string(), "--split",
                         "val", "--json"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_FALSE(nlohmann::json::parse(o.out, nullptr, false).is_discarded()) << o.out;

  // A directory of new images, one of them corrupt and one not an image at all.
  const fs::path photos = dir_ / "photos";
  write_colour_images(photos, 2, rng);
  write_bytes(photos / "broken.jpg", "\xFF\xD8\xFF\xE0 not really a JPEG");
  write_bytes(photos / "notes.txt", "skipped with a warning");
  o = run_relunet(dir_, {"classify", "--checkpoint", checkpoint, photos.string(), "--json",
                         "--top-k", "2", "--batch", "4"});
  EXPECT_EQ(o.exit_code, 1) << "a file failed";
  EXPECT_NE(o.err.find((photos / "broken.jpg").string() + ": "), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("notes.txt"), std::string::npos) << o.err;
  std::istringstream lines(o.out);
  int classified = 0, correct = 0;
  for (std::string line; std::getline(lines, line); ++classified) {
    const nlohmann::json j = nlohmann::json::parse(line);
    const std::string file = j.at("file");
    EXPECT_EQ(file.find("broken"), std::string::npos);
    ASSERT_EQ(j.at("top").size(), 2u);
    const double first = j["top"][0].at("probability"), second = j["top"][1].at("probability");
    EXPECT_GE(first, second);
    EXPECT_LE(first + second, 1.0 + 1e-4);
    correct += fs::path(file).parent_path().filename().string() ==
               j["top"][0].at("class").get<std::string>();
  }
  EXPECT_EQ(classified, 6);
  EXPECT_GE(correct, 4);

  // Test-time augmentation keeps the images, labels and output shapes, and says that it ran.
  o = run_relunet(dir_, {"eval", "--checkpoint", checkpoint, "--data", data.string(), "--json",
                         "--tta", "flip-shift"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const nlohmann::json eval_tta = nlohmann::json::parse(o.out);
  EXPECT_EQ(eval.at("tta"), "none");
  EXPECT_EQ(eval_tta.at("tta"), "flip-shift");
  EXPECT_EQ(eval_tta.at("images"), 24);
  EXPECT_EQ(eval_tta.at("classes"), kColours);
  EXPECT_GT(eval_tta.at("accuracy").get<double>(), 0.6);
  o = run_relunet(dir_, {"inspect", "--checkpoint", checkpoint, "--data", data.string(), "--split",
                         "val", "--json", "--tta", "flip"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const nlohmann::json inspect_tta = nlohmann::json::parse(o.out);
  EXPECT_EQ(inspect_tta.at("tta"), "flip");
  EXPECT_EQ(inspect_tta.at("images"), 24);
  for (const auto& layer : inspect_tta.at("layers")) EXPECT_EQ(layer.at("images"), 24) << "once per image";
  o = run_relunet(dir_, {"classify", "--checkpoint", checkpoint, photos.string(), "--json",
                         "--top-k", "3", "--batch", "4", "--tta", "flip-shift"});
  EXPECT_EQ(o.exit_code, 1) << "the broken file still fails";
  std::istringstream tta_lines(o.out);
  int tta_classified = 0, tta_correct = 0;
  for (std::string line; std::getline(tta_lines, line); ++tta_classified) {
    const nlohmann::json j = nlohmann::json::parse(line);
    EXPECT_EQ(j.at("tta"), "flip-shift");
    ASSERT_EQ(j.at("top").size(), 3u);
    double sum = 0;
    for (const auto& s : j["top"]) sum += s.at("probability").get<double>();
    EXPECT_NEAR(sum, 1.0, 1e-4) << "all three classes";
    tta_correct += fs::path(j.at("file").get<std::string>()).parent_path().filename().string() ==
                   j["top"][0].at("class").get<std::string>();
  }
  EXPECT_EQ(tta_classified, 6);
  EXPECT_GE(tta_correct, 4);

  // Text output, one line per image, and the default checkpoint when none is given.
  o = run_relunet(dir_, {"classify", "--checkpoint", checkpoint, (photos / "red/0.png").string(),
                         "--center-crop"});
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out.rfind((photos / "red/0.png").string() + ": ", 0), 0u) << o.out;
  o = run_relunet(dir_, {"classify", (photos / "red/0.png").string()},
                  {"RELUNET_MODELS=" + dir_.string()});
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_NE(o.err.find((dir_ / "default.ckpt").string() + " does not exist"), std::string::npos)
      << o.err;

  // A class without images in the split has no accuracy (null, "-"), not 0%.
  fs::remove_all(data / "test" / kColours[2]);
  o = run_relunet(dir_, {"eval", "--checkpoint", checkpoint, "--data", data.string(), "--json"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  const nlohmann::json eval_two = nlohmann::json::parse(o.out);
  EXPECT_EQ(eval_two.at("images"), 16);
  EXPECT_TRUE(eval_two.at("per_class").at(kColours[2]).is_null()) << o.out;
  EXPECT_TRUE(eval_two.at("per_class").at(kColours[0]).is_number()) << o.out;
  o = run_relunet(dir_, {"eval", "--checkpoint", checkpoint, "--data", data.string()});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  EXPECT_NE(o.out.find("\n" + kColours[2] + std::string(12 - kColours[2].size(), ' ') + "        -  "),
            std::string::npos)
      << o.out;
}

}  // namespace
