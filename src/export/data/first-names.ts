/**
 * Common US given names, typed from the Social Security Administration's published lists of the most
 * popular baby names by decade (1950s-2010s, male and female). Independent of any test-data generator:
 * the scrubber must find names by cues and capitalisation, this list only adds recall for a bare given
 * name. Names that are also everyday words ("Will", "May", "Grace"...) are in AMBIGUOUS_FIRST_NAMES and
 * only count as a name next to another name token.
 */
const MALE = `
James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel Matthew Anthony
Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy Ronald Edward Jason Jeffrey Ryan
Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin Scott Brandon Benjamin Samuel Gregory Alexander
Frank Patrick Raymond Jack Dennis Jerry Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Ethan
Walter Noah Jeremy Christian Keith Roger Terry Gerald Harold Sean Austin Carl Arthur Lawrence Dylan Jesse
Jordan Bryan Billy Joe Bruce Gabriel Logan Albert Willie Alan Juan Wayne Elijah Randy Roy Vincent Ralph
Eugene Russell Bobby Mason Philip Louis Harry Howard Fred Johnny Liam Lucas Oliver Aiden Jayden Caleb Luke
Isaac Owen Connor Hunter Evan Jackson Carter Gavin Landon Wyatt Cameron Isaiah Julian Levi Sebastian Grayson
Lincoln Hudson Eli Colton Ezra Asher Leo Mateo Miles Jaxon Carson Nolan Parker Easton Cooper Dominic Adrian
Xavier Chase Blake Cole Bradley Travis Shawn Derek Marcus Victor Curtis Troy Shane Jeffery Craig Todd Chad
Jared Corey Cody Dustin Brett Jamie Mario Ricardo Carlos Luis Miguel Antonio Manuel Jesus Alejandro Diego
Francisco Javier Angel Fernando Rafael Eduardo Pedro Sergio Hector Ramon Roberto Oscar Andres Julio Ivan
Marvin Leonard Dale Glenn Stanley Earl Herbert Clarence Ernest Norman Melvin Lloyd Leroy Floyd Alvin Lee
Allen Gordon Lewis Francis Theodore Elliot Malcolm Dean Neil Max Maxwell Calvin Franklin Tony Jimmy Danny
Ricky Tommy Kenny Darren Nathaniel Spencer Trevor Tristan Devin Alex Ian Colin Jake Jared Seth Garrett
Wesley Mitchell Preston Jeremiah Josiah Micah Silas Declan Brody Damian Axel Kai Rowan Bennett Beckett
Jace Ryder Maddox Bentley Brayden Kayden Camden Jaden Devon Darius Andre Terrence Jerome Reginald Darnell
Tyrone Lamar DeShawn Malik Jamal Trevon Omar Ali Mohamed Ahmed Hassan Raj Arjun Wei Hiroshi Kenji
`;

const FEMALE = `
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty Margaret Sandra
Ashley Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah Stephanie Rebecca Sharon Laura
Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma Nicole Helen Samantha Katherine Christine
Debra Rachel Carolyn Janet Catherine Maria Heather Diane Ruth Julie Olivia Joyce Virginia Victoria Kelly
Lauren Christina Joan Evelyn Judith Megan Andrea Cheryl Hannah Jacqueline Martha Gloria Teresa Ann Sara
Madison Frances Kathryn Janice Jean Abigail Alice Judy Sophia Denise Amber Doris Marilyn Danielle Beverly
Isabella Theresa Diana Natalie Brittany Charlotte Marie Kayla Alexis Lori Tiffany Tammy Crystal Erin
Courtney Lindsay Kristen Kristin Vanessa Monica Erica Tracy Wendy Stacy Dana Melanie Veronica Jill Holly
Renee Tina Alicia Yolanda Rosa Carmen Gabriela Adriana Claudia Ana Lucia Sofia Valeria Camila Ximena
Mia Ava Harper Amelia Ella Avery Scarlett Aria Chloe Layla Riley Zoey Nora Lily Eleanor Hazel Violet Aurora
Savannah Audrey Brooklyn Bella Claire Skylar Lucy Paisley Everly Caroline Nova Genesis Emilia Kennedy
Maya Willow Kinsley Naomi Aaliyah Elena Ariana Allison Gabriella Alexa Sadie Hailey Madelyn Kaylee
Peyton Mackenzie Addison Aubrey Stella Leah Lillian Natalia Piper Ruby Serenity Jasmine Destiny Brianna
Sydney Morgan Taylor Jordan Kaitlyn Makayla Alyssa Jenna Paige Haley Shelby Katie Molly Jade Kendall
Gianna Valentina Josephine Delilah Ivy Luna Eliana Quinn Iris Cora Daisy Jane Joanne Lorraine Marjorie
Mildred Florence Irene Edna Gladys Ethel Lillie Annie Ida Bertha Clara Esther Elsie Louise Agnes Pearl
Vivian Thelma Lois Norma Peggy Darlene Wanda Sherry Connie Rita Phyllis Kathy Sally Bonnie Marlene
Geraldine Lucille Anne Eileen Elaine Carla Colleen Krista Leslie Misty Miranda Tanya Latoya Keisha
Tamika Shanice Ebony Aisha Fatima Priya Mei Yuki Keiko Ingrid Greta Freya Astrid Siobhan Niamh
`;

/** Given names that are also common English words or months: a name only beside another name token. */
export const AMBIGUOUS_FIRST_NAMES: ReadonlySet<string> = new Set(
  'Will Bill Mark Frank Grant Jack Joy Hope Faith Grace May June April August Summer Autumn Dawn Rose Iris Ivy Lily Ruby Pearl Crystal Amber Jade Hazel Violet Daisy Destiny Genesis Nova Luna Serenity Willow Holly Ginger Penny Sunny Rich Chase Cole Dale Glenn Dean Lee Max Rowan Cooper Parker Hunter Taylor Carter Mason Bishop Brooks Gray Sky Storm Angel Jesus Christian Don Sue Jan Art Bob Misty Sandy Rusty Miles Frances Kai Ali Reed Wade Lane Earl Roy Ray Guy Pat Sol Jean Joe Kennedy Lincoln Kendall Morgan Jordan Riley Avery Quinn Harper Peyton Sydney Paige Brooklyn Savannah Addison Clara Claire Cora Bennett Camden Hudson Austin Dallas Houston Denver Aurora Stella'.split(
    ' ',
  ),
);

export const FIRST_NAMES: ReadonlySet<string> = new Set(`${MALE} ${FEMALE}`.split(/\s+/).filter(Boolean));
